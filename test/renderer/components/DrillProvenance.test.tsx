// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DrillProvenanceFacts, checksumCovers } from '../../../renderer/components/DrillProvenance';
import type { DrillProvenance } from '../../../shared/model';
import '../support/setup';

const hex = 'a3f1c09be2d4' + '0'.repeat(52);
const provenance: DrillProvenance = {
  host: 'drill-host-1',
  tools: { psql: '15.18', pg_restore: '15.18' },
  scratchServer: '15.18 (Debian 15.18-0+deb12u1)',
  checksum: { algorithm: 'sha256', hex, of: 'file', bytes: 2048 },
};

describe('DrillProvenanceFacts', () => {
  it('shows the first 12 hex digits, the full value in a title and on a click, what was hashed, host and tools', () => {
    render(<DrillProvenanceFacts provenance={provenance} />);
    const fact = screen.getByTestId('drill-checksum');
    expect(fact.textContent).toContain('a3f1c09be2d4…');
    expect(fact.textContent).not.toContain(hex);
    expect(fact.textContent).toContain('of the file, 2.0 kB');
    expect(fact.querySelector('[title]')?.getAttribute('title')).toBe(hex);
    fireEvent.click(screen.getByRole('button', { name: 'Show the full SHA-256' }));
    expect(screen.getByTestId('checksum-full').textContent).toBe(hex);
    expect(screen.getByTestId('drill-host').textContent).toBe('drill-host-1');
    expect(screen.getByTestId('drill-tools').textContent).toBe('pg_restore 15.18, psql 15.18');
  });

  it("says what was hashed: a directory dump's sorted manifest, a physical backup's manifest, a kind of hash it does not know", () => {
    expect(checksumCovers('directory-manifest')).toBe("of the directory's files (sorted manifest)");
    expect(checksumCovers('backup-manifest', 'backup.manifest')).toBe("of its backup.manifest, which holds each file's own checksum");
    expect(checksumCovers('backup-manifest')).toBe("of its backup manifest, which holds each file's own checksum");
    expect(checksumCovers('tar-stream')).toBe('of the backup (tar-stream)');
    render(<DrillProvenanceFacts provenance={{ ...provenance, checksum: { ...provenance.checksum!, of: 'tar-stream' as 'file' } }} />);
    expect(screen.getByTestId('drill-checksum').textContent).toContain('of the backup (tar-stream)');
  });

  it('says why a drill has no checksum, where it recorded why', () => {
    render(<DrillProvenanceFacts provenance={{ ...provenance, checksum: undefined, checksumMissing: 'a tar run on db1 goes from ssh straight into tar' }} />);
    expect(screen.getByTestId('drill-checksum-missing').textContent).toBe('none: a tar run on db1 goes from ssh straight into tar');
    expect(screen.queryByTestId('drill-checksum')).toBeNull();
  });

  it('shows nothing for a drill without provenance, and no hash where none was taken', () => {
    const { container, unmount } = render(<DrillProvenanceFacts provenance={undefined} />);
    expect(container.innerHTML).toBe('');
    unmount();
    render(<DrillProvenanceFacts provenance={{ ...provenance, checksum: undefined }} />);
    expect(screen.queryByTestId('drill-checksum')).toBeNull();
    expect(screen.getByTestId('drill-host').textContent).toBe('drill-host-1');
  });
});
