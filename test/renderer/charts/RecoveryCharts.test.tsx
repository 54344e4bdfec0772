// @vitest-environment jsdom
// The source page of a basebackup source: the recovery point each drill reached against maxRecoveryPoint (with
// the restore time below), the recoverable window as a band with gaps marked, and the archive in words.
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DrillPoint, SourceDetail, WalWindowPoint } from '../../../shared/api';
import type { WalArchiveSummary } from '../../../shared/model';
import { gapSpans } from '../../../renderer/charts/RecoverableWindowChart';
import { LastRestore } from '../../../renderer/components/LastRestore';
import { OverviewPage } from '../../../renderer/pages/OverviewPage';
import { SourcePage } from '../../../renderer/pages/SourcePage';
import { fakeBridge } from '../support/fake-bridge';
import { DAY, HOUR, overviewFixture, overviewSources, sourceDetailFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const MIN = 60_000;
const SEG = (n: number) => `00000001000000000000${n.toString(16).toUpperCase().padStart(4, '0')}`;

function recoveryDrills(now: number): DrillPoint[] {
  const drill = (id: number, daysAgo: number, pointMs: number, restoreMs: number): DrillPoint => ({
    id,
    finishedAt: now - daysAgo * DAY,
    outcome: 'pass',
    restoreMs,
    durationMs: restoreMs + 5_000,
    backupKey: `base-${id}`,
    message: 'restorable up to …',
    recovery: { mode: 'end-of-archive', recoveredTo: now - daysAgo * DAY - pointMs, recoveryPointMs: pointMs, idle: false },
  });
  return [
    drill(1, 20, 3 * MIN, 40_000),
    drill(2, 13, 4 * MIN, 42_000),
    // Over the 15-minute target: the archiver fell behind.
    drill(3, 9, 2 * HOUR, 45_000),
    { id: 4, finishedAt: now - 6 * DAY, outcome: 'fail', restoreMs: null, durationMs: 9_000, backupKey: 'base-4', message: 'recovery stopped before 000000010000000000000031: it is missing' },
    drill(5, 2, 2 * MIN, 41_000),
  ];
}

function windows(now: number): WalWindowPoint[] {
  const start = now - 25 * DAY;
  return Array.from({ length: 12 }, (_, i) => {
    const at = now - (12 - i) * 2 * DAY;
    // Polls 5 to 7 found 14 segments missing; recovery stops where the gap begins.
    const missing = i >= 5 && i <= 7 ? 14 : 0;
    return { at, from: start, to: at - 2 * MIN, missing, stopsAt: missing > 0 ? now - 15 * DAY : null };
  });
}

function walSummary(now: number): WalArchiveSummary {
  return {
    segmentSize: 16 * 1024 * 1024,
    timeline: 2,
    chain: [1, 2],
    startSegment: SEG(0x20),
    newestSegment: '0000000200000000000000A7',
    newestArchivedAt: now - 3 * MIN,
    newestPartial: null,
    segmentsExpected: 200,
    segmentsPresent: 186,
    missingSegments: 14,
    gapCount: 1,
    gaps: [{ after: SEG(0x30), afterArchivedAt: now - 15 * DAY, missing: 14, firstMissing: SEG(0x31) }],
    windows: [
      { timeline: 1, fromSegment: SEG(0x20), fromArchivedAt: now - 25 * DAY, toSegment: SEG(0x80), toArchivedAt: now - 4 * DAY },
      { timeline: 2, fromSegment: SEG(0x20), fromArchivedAt: now - 25 * DAY, toSegment: '0000000200000000000000A7', toArchivedAt: now - 3 * MIN },
    ],
    truncated: [],
    truncatedCount: 0,
    missingHistories: [],
    otherTimelines: [],
  };
}

function basebackupDetail(id: string, range: SourceDetail['range'], maxRecoveryPointMs: number | null = 15 * MIN): SourceDetail {
  const now = Date.now() - 30_000;
  const detail = sourceDetailFixture(id, range, now);
  return {
    ...detail,
    summary: {
      ...detail.summary,
      kind: 'basebackup',
      lastRestore: { at: now - 2 * DAY, restoreMs: 41_000, backupKey: 'base-5', recovery: { mode: 'end-of-archive', recoveredTo: now - 2 * DAY - 2 * MIN, recoveryPointMs: 2 * MIN, idle: false } },
    },
    storedSeries: [],
    drills: recoveryDrills(now),
    maxRecoveryPointMs,
    walWindows: windows(now),
    walArchive: { at: now - MIN, summary: walSummary(now), error: null },
  };
}

async function renderSource(detail: (id: string, range: SourceDetail['range']) => SourceDetail = basebackupDetail) {
  renderWithBridge(<SourcePage id="base" />, fakeBridge({ source: async ({ id, range }) => detail(id, range) }));
  await screen.findByTestId('source-page');
}

describe('the recovery-point chart', () => {
  it('draws each drill that replayed WAL, the maxRecoveryPoint line, the drill over it marked, and the failed drill as a mark', async () => {
    await renderSource();
    const chart = screen.getByTestId('recovery-chart');
    expect(chart.getAttribute('data-points')).toBe('5');
    expect(chart.getAttribute('data-reached')).toBe('4');
    expect(chart.getAttribute('data-threshold-ms')).toBe(String(15 * MIN));
    // The target line, labelled.
    const target = chart.querySelector('.recovery-target');
    expect(target).not.toBeNull();
    expect(target!.querySelector('line')).not.toBeNull();
    expect(chart.querySelector('.recovery-chart')!.textContent).toContain('maxRecoveryPoint 15m');
    // Four reached points, one of them ringed as over the target.
    expect(chart.querySelectorAll('circle.recovery-dot')).toHaveLength(4);
    expect(chart.getAttribute('data-breaches')).toBe('1');
    const breach = chart.querySelectorAll('.recovery-breach');
    expect(breach).toHaveLength(1);
    expect(breach[0]!.querySelector('circle.over-target')).not.toBeNull();
    // The over-target point is drawn above the target line (smaller y is higher).
    const targetY = Number(target!.querySelector('line')!.getAttribute('y1'));
    const breachY = Number(breach[0]!.querySelector('circle.over-target')!.getAttribute('cy'));
    const okY = Number(chart.querySelector('circle.recovery-dot:not(.over-target)')!.getAttribute('cy'));
    expect(breachY).toBeLessThan(targetY);
    expect(okY).toBeGreaterThan(targetY);
    // The failed drill, a mark on the axis.
    expect(chart.getAttribute('data-failed')).toBe('1');
    expect(chart.querySelectorAll('.failed-drill-mark')).toHaveLength(1);
    // The restore time of the same drills, below on the same time axis.
    expect(chart.querySelectorAll('.restore-time-chart circle.restore-time-dot')).toHaveLength(4);
    const summary = screen.getByTestId('recovery-summary').textContent!;
    expect(summary).toContain('restored to 2m behind');
    expect(summary).toContain('1 of 4 over the target (maxRecoveryPoint 15m)');
    expect(summary).toContain('1 drill did not pass');
  });

  it('draws no target and says how to set one when maxRecoveryPoint is not set', async () => {
    await renderSource((id, range) => basebackupDetail(id, range, null));
    const chart = screen.getByTestId('recovery-chart');
    expect(chart.querySelector('.recovery-target')).toBeNull();
    expect(chart.querySelectorAll('.recovery-breach')).toHaveLength(0);
    expect(screen.getByTestId('recovery-summary').textContent).toContain('No target set: maxRecoveryPoint');
  });

  it('is left out for a source whose drills replayed no WAL (a dump directory)', async () => {
    renderWithBridge(<SourcePage id="nightly-dumps" />, fakeBridge());
    await screen.findByTestId('source-page');
    expect(screen.getByTestId('drill-chart')).toBeTruthy();
    expect(screen.queryByTestId('recovery-chart')).toBeNull();
    expect(screen.queryByTestId('window-chart')).toBeNull();
    expect(screen.queryByTestId('wal-facts')).toBeNull();
  });
});

describe('the recoverable-window chart', () => {
  it('draws the window as a band, shades the polls that found segments missing and marks where recovery stops', async () => {
    await renderSource();
    const chart = screen.getByTestId('window-chart');
    expect(chart.getAttribute('data-points')).toBe('12');
    // The band: an area with a filled path.
    const band = chart.querySelector('.window-band .recharts-area-area');
    expect(band).not.toBeNull();
    expect(band!.getAttribute('d')).toMatch(/^M/);
    // One stretch of three polls with segments missing: one shaded span, three marks.
    expect(chart.getAttribute('data-gaps')).toBe('1');
    expect(chart.getAttribute('data-gap-polls')).toBe('3');
    expect(chart.querySelectorAll('.gap-span')).toHaveLength(1);
    expect(chart.querySelectorAll('.gap-mark')).toHaveLength(3);
    expect(screen.getByTestId('window-summary').textContent).toContain('Segments were missing once in this range');
  });

  it('groups consecutive polls with missing segments into one span', () => {
    const p = (at: number, missing: number): WalWindowPoint => ({ at, from: 0, to: at, missing, stopsAt: null });
    expect(gapSpans([p(1, 0), p(2, 3), p(3, 3), p(4, 0), p(5, 1)])).toEqual([
      { from: 2, to: 3 },
      { from: 5, to: 5 },
    ]);
    expect(gapSpans([p(1, 0), p(2, 0)])).toEqual([]);
  });
});

describe('the WAL archive in words', () => {
  it('says how fresh the archive is, where recovery stops and the window per timeline', async () => {
    await renderSource();
    const facts = screen.getByTestId('wal-facts');
    expect(within(facts).getByTestId('wal-newest').textContent).toMatch(/^Newest segment 0000000200000000000000A7 archived 3m( \d+s)? ago .*, timeline 2\.$/);
    expect(within(facts).getByTestId('wal-gap').textContent).toContain(`14 segments missing after ${SEG(0x30)}`);
    expect(within(facts).getByTestId('wal-gap').textContent).toContain('point-in-time recovery stops there');
    const windows = within(facts).getAllByTestId('wal-window').map((li) => li.textContent);
    expect(windows).toHaveLength(2);
    expect(windows[0]).toContain('Recoverable on timeline 1');
    expect(windows[1]).toContain('Recoverable on timeline 2');
    expect(windows[1]).toContain('0000000200000000000000A7');
  });

  it('says why the archive could not be judged', async () => {
    await renderSource((id, range) => ({ ...basebackupDetail(id, range), walWindows: [], walArchive: { at: Date.now() - MIN, summary: null, error: 'walArchive /srv/wal does not exist: set walArchive to the directory archive_command copies into' } }));
    expect(screen.getByTestId('wal-facts').textContent).toContain('could not judge the WAL archive: walArchive /srv/wal does not exist');
    expect(screen.getByTestId('window-chart').textContent).toContain('No poll in this range listed the WAL archive.');
  });
});

describe('the last successful restore', () => {
  it('says the recovery point reached, and the end of an idle archive when nothing newer was written', async () => {
    await renderSource();
    expect(screen.getByTestId('last-restore').textContent).toContain('restored to 2m behind (restorable up to');
  });

  it('says "to the end of an idle archive" for an idle server, and the backup\'s end for a backup-end drill', async () => {
    const now = Date.now();
    const base = { at: now - HOUR, restoreMs: 30_000, backupKey: 'base-1' };
    const { unmount } = renderWithBridge(<LastRestore lastRestore={{ ...base, recovery: { mode: 'end-of-archive', recoveredTo: now - 2 * HOUR, recoveryPointMs: 0, idle: true } }} now={now} />, fakeBridge());
    expect(screen.getByTestId('recovery-reached').textContent).toContain('restored to the end of an idle archive');
    unmount();
    renderWithBridge(<LastRestore lastRestore={{ ...base, recovery: { mode: 'backup-end', recoveredTo: null, recoveryPointMs: 5 * HOUR, idle: false } }} now={now} />, fakeBridge());
    expect(screen.getByTestId('recovery-reached').textContent).toBe(", restored to the backup's end, 5h behind");
  });
});

describe('the overview', () => {
  it('adds the recovery point to the last restore column, and the end of an idle archive', async () => {
    const now = Date.now() - 30_000;
    const sources = overviewSources(now).map((source, i) =>
      i === 0
        ? { ...source, id: 'base', kind: 'basebackup' as const, lastRestore: { at: now - 2 * HOUR, restoreMs: 38_000, backupKey: 'base-1', recovery: { mode: 'end-of-archive' as const, recoveredTo: now - 2 * HOUR - 3 * MIN, recoveryPointMs: 3 * MIN + 12_000, idle: false } } }
        : i === 1
          ? { ...source, id: 'idle', kind: 'basebackup' as const, lastRestore: { at: now - HOUR, restoreMs: 20_000, backupKey: 'base-2', recovery: { mode: 'end-of-archive' as const, recoveredTo: now - 3 * HOUR, recoveryPointMs: 0, idle: true } } }
          : source,
    );
    renderWithBridge(<OverviewPage />, fakeBridge({ overview: async () => overviewFixture(sources) }));
    const cell = await screen.findByTestId('restore-base');
    expect(cell.textContent).toMatch(/^2h( \d+s)? ago · took 38s, to 3m 12s behind$/);
    expect(screen.getByTestId('restore-idle').textContent).toContain(', to the end of an idle archive');
    // A dump source's restore says no recovery point.
    const dump = sources.find((s) => s.lastRestore && !s.lastRestore.recovery)!;
    expect(screen.getByTestId(`restore-${dump.id}`).textContent).not.toContain('behind');
  });
});
