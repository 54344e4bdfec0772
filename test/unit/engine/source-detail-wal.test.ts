// The source page's WAL series, built from a real history file: a month of 5-minute polls of a basebackup
// source (a gap found for a few hours, some polls failed) and drills that replayed WAL. The page gets at most
// 500 window points with every gap kept, the newest poll's archive, each drill's recovery point and the target;
// the overview's last restore carries the recovery point; a dump source gets none of it.
import { describe, expect, it } from 'vitest';
import { MAX_CHART_POINTS } from '../../../shared/api';
import { validateConfig, type Config } from '../../../shared/config';
import type { BaseBackupMetrics, Drill, DrillRecovery, WalArchiveSummary } from '../../../shared/model';
import { Engine } from '../../../electron/engine/engine';
import { sourceDetail } from '../../../electron/engine/source-detail';
import type { Probe } from '../../../electron/engine/sources/probe';
import type { PollEntry } from '../../../electron/engine/store/types';
import { DAY, HOUR, MINUTE, T0, failedPoll, okPoll, openHistory } from '../store/temp-history';

const NOW = T0 + 30 * DAY;
const BACKUP_START = T0 - 2 * DAY;
const GAP_FROM = T0 + 10 * DAY;
const GAP_TO = T0 + 10 * DAY + 4 * HOUR;

function config(): Config {
  const parsed = validateConfig({
    sources: [
      { id: 'base', kind: 'basebackup', path: '/srv/base', walArchive: '/srv/wal', maxRecoveryPoint: '15m' },
      { id: 'dumps', kind: 'dump-dir', path: '/srv/dumps' },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const idle: Probe = { kind: 'dump-dir', observe: async () => ({ backups: [], metrics: { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 } }) };

function wal(at: number, missing: number): WalArchiveSummary {
  const newest = at - 2 * MINUTE;
  return {
    segmentSize: 16 * 1024 * 1024,
    timeline: 1,
    chain: [1],
    startSegment: '000000010000000000000010',
    newestSegment: '0000000100000000000000FF',
    newestArchivedAt: newest,
    newestPartial: null,
    segmentsExpected: 240,
    segmentsPresent: 240 - missing,
    missingSegments: missing,
    gapCount: missing > 0 ? 1 : 0,
    gaps: missing > 0 ? [{ after: '000000010000000000000030', afterArchivedAt: GAP_FROM - HOUR, missing, firstMissing: '000000010000000000000031' }] : [],
    windows: [{ timeline: 1, fromSegment: '000000010000000000000010', fromArchivedAt: BACKUP_START, toSegment: '0000000100000000000000FF', toArchivedAt: newest }],
    truncated: [],
    truncatedCount: 0,
    missingHistories: [],
    otherTimelines: [],
  };
}

function metrics(at: number): BaseBackupMetrics {
  const missing = at >= GAP_FROM && at < GAP_TO ? 14 : 0;
  return { kind: 'basebackup', backupCount: 2, backupBytes: 4e9, archiveBytes: 2e9, archiveFiles: 240, newestSegment: '0000000100000000000000FF', newestSegmentAt: at - 2 * MINUTE, walSegmentSize: 16 * 1024 * 1024, walArchive: wal(at, missing) };
}

function recovery(startedAt: number, pointMs: number, extra: Partial<DrillRecovery> = {}): DrillRecovery {
  return {
    mode: 'end-of-archive',
    recoveredTo: startedAt - pointMs,
    lastCommitAt: startedAt - pointMs,
    lastReplayedLsn: '0/31000148',
    lastReplayedSegment: '000000010000000000000031',
    lastSegmentArchivedAt: startedAt - pointMs,
    recoveryPointMs: pointMs,
    walReplayed: 412,
    replayMs: 38_000,
    ...extra,
  };
}

function drill(sourceId: string, finishedAt: number, outcome: Drill['outcome'], extra: Partial<Drill> = {}): Drill {
  return {
    sourceId,
    backupKey: '20261201T020000',
    startedAt: finishedAt - 60_000,
    finishedAt,
    outcome,
    phases: { restore: 20_000, replay: 38_000 },
    restoreMs: outcome === 'pass' ? 58_000 : null,
    tables: 3,
    rows: 1000,
    restoredBytes: 1e9,
    checks: [],
    message: outcome === 'pass' ? 'restorable up to …' : 'recovery stopped before 000000010000000000000031: it is missing from the archive',
    ...extra,
  };
}

function seed() {
  const { history } = openHistory();
  const entries: PollEntry[] = [];
  for (let at = NOW - 30 * DAY + 5 * MINUTE; at <= NOW; at += 5 * MINUTE) {
    // Every twelfth poll failed (the backup host did not answer): no metrics, no window point.
    const poll = (at / (5 * MINUTE)) % 12 === 0 ? failedPoll('base', at) : okPoll('base', at, { metrics: metrics(at), newestBackupAt: at - HOUR });
    entries.push({ poll, backups: [] });
  }
  history.recordPolls(entries);
  history.recordPolls([{ poll: okPoll('dumps', NOW - MINUTE), backups: [] }]);
  history.recordDrill(drill('base', T0 + 5 * DAY, 'pass', { recovery: recovery(T0 + 5 * DAY - 60_000, 3 * MINUTE) }));
  history.recordDrill(drill('base', T0 + 10 * DAY + HOUR, 'fail'));
  history.recordDrill(drill('base', T0 + 20 * DAY, 'pass', { recovery: recovery(T0 + 20 * DAY - 60_000, 2 * HOUR) }));
  history.recordDrill(drill('base', T0 + 29 * DAY, 'pass', { recovery: recovery(T0 + 29 * DAY - 60_000, 0, { idle: true }) }));
  history.recordDrill(drill('dumps', T0 + 29 * DAY, 'pass'));
  const engine = new Engine({ config: config(), store: history, now: () => NOW, probeFor: () => idle, compactionDelayMs: 0 });
  return { history, engine };
}

describe('the source page of a basebackup source', () => {
  it('gets the recoverable window reduced to a chart, every gap kept, from a month of 5-minute polls', () => {
    const { history, engine } = seed();
    const source = engine.currentConfig.sources.find((s) => s.id === 'base')!;
    const detail = sourceDetail({ engine, store: history, source, range: '30d', now: NOW });

    expect(detail.walWindows.length).toBeLessThanOrEqual(MAX_CHART_POINTS / 2);
    expect(detail.walWindows.length).toBeGreaterThan(MAX_CHART_POINTS / 2 - 5);
    // Oldest first; each window from the base backup's start to the segment archived just before its poll.
    for (let i = 1; i < detail.walWindows.length; i++) expect(detail.walWindows[i]!.at).toBeGreaterThan(detail.walWindows[i - 1]!.at);
    for (const point of detail.walWindows) {
      expect(point.from).toBe(BACKUP_START);
      expect(point.to).toBe(point.at - 2 * MINUTE);
    }
    // The 4 hours of gap are 2 or 3 buckets of ~1.4 h: each kept as a gap, with where recovery stops.
    const gaps = detail.walWindows.filter((p) => p.missing > 0);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    for (const gap of gaps) {
      expect(gap.at).toBeGreaterThanOrEqual(GAP_FROM);
      expect(gap.at).toBeLessThan(GAP_TO);
      expect(gap).toMatchObject({ missing: 14, stopsAt: GAP_FROM - HOUR });
    }
    expect(detail.walWindows.filter((p) => p.missing === 0 && p.stopsAt !== null)).toEqual([]);

    // The newest poll's archive, whole, for the words under the chart: the poll at NOW failed, so the one before.
    expect(history.latestPoll('base')).toMatchObject({ at: NOW, ok: false });
    expect(detail.walArchive?.at).toBe(NOW - 5 * MINUTE);
    expect(detail.walArchive?.summary?.newestSegment).toBe('0000000100000000000000FF');
    expect(detail.walArchive?.error).toBeNull();

    // Drills with their recovery point, the failed one without; the target line.
    expect(detail.maxRecoveryPointMs).toBe(15 * MINUTE);
    expect(detail.drills.map((d) => [d.outcome, d.recovery?.recoveryPointMs ?? null, d.recovery?.idle ?? null])).toEqual([
      ['pass', 3 * MINUTE, false],
      ['fail', null, null],
      ['pass', 2 * HOUR, false],
      ['pass', 0, true],
    ]);
    expect(detail.drills[0]!.recovery).toEqual({ mode: 'end-of-archive', recoveredTo: T0 + 5 * DAY - 60_000 - 3 * MINUTE, recoveryPointMs: 3 * MINUTE, idle: false });

    // The last restore (overview, check) says the recovery point reached.
    expect(detail.summary.lastRestore?.recovery).toEqual({ mode: 'end-of-archive', recoveredTo: T0 + 29 * DAY - 60_000, recoveryPointMs: 0, idle: true });
    expect(engine.summary('base').lastRestore?.at).toBe(T0 + 29 * DAY);
  });

  it('says why the archive could not be judged when the newest poll could not list it', () => {
    const { history, engine } = seed();
    const at = NOW + MINUTE;
    history.recordPolls([{ poll: okPoll('base', at, { metrics: { ...metrics(at), walArchive: null, walArchiveError: 'walArchive /srv/wal does not exist: set it to the directory archive_command copies into' } }), backups: [] }]);
    const source = engine.currentConfig.sources.find((s) => s.id === 'base')!;
    const detail = sourceDetail({ engine, store: history, source, range: '7d', now: at });
    expect(detail.walArchive).toEqual({ at, summary: null, error: 'walArchive /srv/wal does not exist: set it to the directory archive_command copies into' });
    // The 7-day range: 1.2 buckets an hour; the poll without a summary is no window point.
    expect(detail.walWindows.length).toBeLessThanOrEqual(MAX_CHART_POINTS / 2);
    expect(detail.walWindows[detail.walWindows.length - 1]!.at).toBeLessThan(at);
  });

  it('gives a dump source no WAL series, no target and drills without a recovery point', () => {
    const { history, engine } = seed();
    const source = engine.currentConfig.sources.find((s) => s.id === 'dumps')!;
    const detail = sourceDetail({ engine, store: history, source, range: '30d', now: NOW });
    expect(detail.walWindows).toEqual([]);
    expect(detail.walArchive).toBeNull();
    expect(detail.maxRecoveryPointMs).toBeNull();
    expect(detail.drills).toHaveLength(1);
    expect(detail.drills[0]!.recovery).toBeUndefined();
    expect(detail.summary.lastRestore).not.toBeNull();
    expect(detail.summary.lastRestore!.recovery).toBeUndefined();
  });
});
