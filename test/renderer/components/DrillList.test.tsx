// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DrillPoint } from '../../../shared/api';
import type { DrillProvenance } from '../../../shared/model';
import { DRILL_ROWS_SHOWN, DrillList } from '../../../renderer/components/DrillList';
import '../support/setup';

const now = Date.parse('2026-12-03T12:00:00Z');
const hex = 'b1946ac92492d2347c6235b4d2611184' + 'f'.repeat(32);
const provenance: DrillProvenance = { host: 'backup-host', tools: { pg_restore: '15.18' }, scratchServer: '15.18', checksum: { algorithm: 'sha256', hex, of: 'file', bytes: 4096 } };

function drill(id: number, extra: Partial<DrillPoint> = {}): DrillPoint {
  return { id, finishedAt: now - (20 - id) * 3_600_000, outcome: 'pass', restoreMs: 40_000, durationMs: 45_000, backupKey: `/srv/dumps/orders-${id}.dump`, message: 'restored orders', ...extra };
}

describe('DrillList', () => {
  it('lists the drills newest first; a drill with provenance opens its SHA-256, host and tools under its row', () => {
    render(<DrillList drills={[drill(1), drill(2, { provenance }), drill(3, { outcome: 'fail', restoreMs: null, message: 'pg_restore: error: input file is too short' })]} />);
    const rows = screen.getAllByTestId('drill-row');
    expect(rows.map((r) => r.getAttribute('data-id'))).toEqual(['3', '2', '1']);
    expect(rows[0]!.textContent).toContain('Failed');
    expect(rows[0]!.textContent).toContain('stopped after 45s');
    // Only a drill that recorded where it ran has details; older history shows nothing new.
    expect(within(rows[0]!).queryByRole('button')).toBeNull();
    expect(within(rows[2]!).queryByRole('button')).toBeNull();
    expect(screen.queryByTestId('drill-detail')).toBeNull();
    fireEvent.click(within(rows[1]!).getByRole('button', { name: /^Details of the drill of / }));
    const detail = screen.getByTestId('drill-detail');
    expect(within(detail).getByTestId('drill-checksum').textContent).toContain('b1946ac92492… of the file, 4.0 kB');
    expect(within(detail).getByTestId('drill-host').textContent).toBe('backup-host');
    expect(within(detail).getByTestId('drill-tools').textContent).toBe('pg_restore 15.18');
    fireEvent.click(within(rows[1]!).getByRole('button', { name: /^Details of the drill of / }));
    expect(screen.queryByTestId('drill-detail')).toBeNull();
  });

  it(`shows the newest ${DRILL_ROWS_SHOWN} until asked for all, and nothing without drills`, () => {
    const { unmount } = render(<DrillList drills={Array.from({ length: 14 }, (_, i) => drill(i + 1))} />);
    expect(screen.getAllByTestId('drill-row')).toHaveLength(DRILL_ROWS_SHOWN);
    expect(screen.getAllByTestId('drill-row')[0]!.getAttribute('data-id')).toBe('14');
    fireEvent.click(screen.getByRole('button', { name: 'Show all 14 drills' }));
    expect(screen.getAllByTestId('drill-row')).toHaveLength(14);
    unmount();
    const { container } = render(<DrillList drills={[]} />);
    expect(container.innerHTML).toBe('');
  });
});
