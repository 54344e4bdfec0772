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

  it('says a directory dump was hashed as its sorted manifest, and names a kind of hash it does not know', () => {
    expect(checksumCovers('directory-manifest')).toBe("of the directory's files (sorted manifest)");
    expect(checksumCovers('backup-manifest')).toBe('of the backup (backup-manifest)');
    render(<DrillProvenanceFacts provenance={{ ...provenance, checksum: { ...provenance.checksum!, of: 'backup-manifest' as 'file' } }} />);
    expect(screen.getByTestId('drill-checksum').textContent).toContain('of the backup (backup-manifest)');
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
