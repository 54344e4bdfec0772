// @vitest-environment jsdom
// A drill that passed with warnings says so where drills are shown: the result of a drill just run, and the
// last successful restore.
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LastRestore } from '../../../renderer/components/LastRestore';
import { RestoreDrillPanel } from '../../../renderer/components/RestoreDrillPanel';
import { deferred, fakeBridge } from '../support/fake-bridge';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const now = Date.parse('2026-12-03T12:00:00Z');
const WARNINGS = [
  'every table is empty (2 tables, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure',
  'public.invoices (about 40 rows) is in the live database shop on shop-db but not in the backup: made since the backup, or left out by the backup job?',
];

describe('drill warnings', () => {
  it('the last successful restore lists its warnings, one item each', () => {
    render(<LastRestore lastRestore={{ at: now - 3_600_000, restoreMs: 1_300, backupKey: '/srv/dumps/shop.dump', sandboxed: true, warnings: WARNINGS }} now={now} />);
    const items = within(screen.getByTestId('last-restore-warnings')).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(WARNINGS.map((w) => `Warning: ${w}`));
  });

  it('a last restore without warnings shows no list', () => {
    render(<LastRestore lastRestore={{ at: now - 3_600_000, restoreMs: 1_300, backupKey: '/srv/dumps/shop.dump', warnings: [] }} now={now} />);
    expect(screen.queryByTestId('last-restore-warnings')).toBeNull();
  });

  it('a drill just run: "Passed with warnings", and each warning', async () => {
    const drill = deferred<Awaited<ReturnType<ReturnType<typeof fakeBridge>['runDrill']>>>();
    const bridge = fakeBridge({ runDrill: () => drill.promise });
    renderWithBridge(<RestoreDrillPanel sourceId="shop-dumps" onFinished={() => {}} />, bridge);
    fireEvent.click(screen.getByRole('button', { name: 'Run restore drill' }));
    await act(async () => {
      drill.resolve({ sourceId: 'shop-dumps', backupKey: 'k', startedAt: now - 5_000, finishedAt: now, outcome: 'pass', phases: {}, restoreMs: 1_300, tables: 2, rows: 0, restoredBytes: null, checks: [], message: 'restored shop: 2 tables, 0 rows; 2 warnings', warnings: WARNINGS });
    });
    const result = screen.getByTestId('drill-result');
    expect(result.textContent).toMatch(/^Passed with warnings — restored and verified in 1s: restored shop: 2 tables, 0 rows; 2 warnings/);
    expect(result.className).toContain('with-warnings');
    expect(within(screen.getByTestId('drill-warnings')).getAllByRole('listitem')).toHaveLength(2);
  });
});
