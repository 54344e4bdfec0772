import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../../electron/engine/store/downsample';
import type { History } from '../../../electron/engine/store/history';
import { MIGRATIONS } from '../../../electron/engine/store/migrations/index';
import type { SeriesPoint } from '../../../shared/model';
import { DAY, HOUR, MINUTE, T0, failedPoll, okPoll, openHistory, tempDir } from './temp-history';

const POLL_EVERY = 5 * MINUTE;
const DAYS = 60;
const PRUNED_DAY = 41;
const GB = 1024 ** 3;

/**
 * 60 days of 5-minute polls of a restic repository that grows by 100 MB with each nightly backup at 02:00
 * and stays flat in between (runs of equal values), until a prune gone wrong on day 41 at 12:00 takes it
 * down to 1 GB; every 50th poll failed. Returns the raw (at, size) points the chart is made from.
 */
function recordRepository(history: History, sourceId: string): SeriesPoint[] {
  const raw: SeriesPoint[] = [];
  const entries = [];
  for (let i = 0, at = T0; at < T0 + DAYS * DAY; i++, at += POLL_EVERY) {
    const day = Math.floor((at - T0) / DAY);
    const nights = day + (at - T0 - day * DAY >= 2 * HOUR ? 1 : 0);
    const pruned = at >= T0 + PRUNED_DAY * DAY + 12 * HOUR;
    const repoSizeBytes = pruned ? GB + (nights - PRUNED_DAY - 1) * 100 * 1024 ** 2 : 5 * GB + nights * 100 * 1024 ** 2;
    if (i % 50 === 7) {
      entries.push({ poll: failedPoll(sourceId, at), backups: [] });
    } else {
      const metrics = { kind: 'restic' as const, snapshotCount: nights, repoSizeBytes, restoreSizeBytes: null, sizesPending: 0 };
      entries.push({ poll: okPoll(sourceId, at, { metrics }), backups: [] });
      raw.push({ at, value: repoSizeBytes });
    }
  }
  history.recordPolls(entries);
  return raw;
}

describe('History.storedSeries', () => {
  it('reduces two months of polls to at most maxPoints real points, keeping the prune that went wrong', () => {
    const { history } = openHistory();
    const raw = recordRepository(history, 'offsite');
    recordRepository(history, 'other-source');
    const series = history.storedSeries('offsite', { from: T0, to: T0 + DAYS * DAY, maxPoints: 1000 });

    expect(raw.length).toBeGreaterThan(16_000);
    expect(series.length).toBeLessThanOrEqual(1000);
    const rawByAt = new Map(raw.map((p) => [p.at, p.value]));
    for (const point of series) expect(rawByAt.get(point.at)).toBe(point.value);
    for (let i = 1; i < series.length; i++) expect(series[i]!.at).toBeGreaterThan(series[i - 1]!.at);
    // The cliff is on the chart: the size before the prune, then straight after it the first poll after it.
    const pruneAt = T0 + PRUNED_DAY * DAY + 12 * HOUR;
    const before = raw.filter((p) => p.at < pruneAt).at(-1)!;
    const after = raw.find((p) => p.at >= pruneAt)!;
    const cliff = series.findIndex((p) => p.at === after.at);
    expect(cliff).toBeGreaterThan(0);
    expect(series[cliff]!.value).toBe(after.value);
    expect(series[cliff - 1]!.value).toBe(before.value);
    expect(after.value).toBeLessThan(before.value / 4);
  });

  it('picks the same points as downsampleMinMax over the raw series, the earliest of equal sizes', () => {
    const { history } = openHistory();
    const raw = recordRepository(history, 'offsite');
    for (const maxPoints of [1, 2, 3, 50, 333, 1000]) {
      const series = history.storedSeries('offsite', { from: T0, to: T0 + DAYS * DAY, maxPoints });
      expect(series, `maxPoints ${maxPoints}`).toEqual(downsampleMinMax(raw, maxPoints));
      expect(series.length).toBeLessThanOrEqual(maxPoints);
    }
  });

  it('returns every measured poll of a short range, without failed polls or polls that could not measure', () => {
    const { history } = openHistory();
    const raw = recordRepository(history, 'offsite');
    const from = T0 + 10 * DAY;
    const to = T0 + 10 * DAY + 3 * HOUR;
    expect(history.storedSeries('offsite', { from, to, maxPoints: 1000 })).toEqual(raw.filter((p) => p.at >= from && p.at <= to));

    const unmeasured = { kind: 'restic' as const, snapshotCount: 1, repoSizeBytes: null, restoreSizeBytes: null, sizesPending: 1 };
    history.recordPolls([{ poll: okPoll('locked', T0, { metrics: unmeasured }), backups: [] }, { poll: failedPoll('locked', T0 + MINUTE), backups: [] }]);
    expect(history.storedSeries('locked', { from: T0, to: T0 + DAY, maxPoints: 100 })).toEqual([]);
    expect(history.storedSeries('never', { from: T0, to: T0 + DAY, maxPoints: 100 })).toEqual([]);
  });

  it('is read from the covering index alone, as the backup-age series is', () => {
    const { history, file } = openHistory();
    recordRepository(history, 'offsite');
    const db = new Database(file, { readonly: true });
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('offsite', T0, T0 + DAY).map((row) => (row as { detail: string }).detail);
    expect(plan('SELECT at, max(stored_bytes) FROM polls WHERE source_id = ? AND at >= ? AND at < ? AND stored_bytes IS NOT NULL')).toEqual([
      expect.stringContaining('USING COVERING INDEX polls_by_source_time'),
    ]);
    expect(plan('SELECT at, min(at - newest_backup_at) FROM polls WHERE source_id = ? AND at >= ? AND at < ? AND newest_backup_at IS NOT NULL')).toEqual([
      expect.stringContaining('USING COVERING INDEX polls_by_source_time'),
    ]);
    db.close();
  });

  it('upgrades a file from the previous version: its polls keep no size, the next ones have one', () => {
    const file = join(tempDir(), 'history.sqlite');
    const old = new Database(file);
    for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
    old.pragma('user_version = 2');
    old
      .prepare(
        `INSERT INTO polls (source_id, at, duration_ms, ok, metrics, newest_backup_at, newest_backup_size, status)
         VALUES ('dumps', ?, 40, 1, '{"kind":"dump-dir","fileCount":3,"totalBytes":3000000,"inProgress":0}', ?, 1000000, 'ok')`,
      )
      .run(T0, T0 - HOUR);
    old.close();

    const { history } = openHistory(file);
    history.recordPolls([{ poll: okPoll('dumps', T0 + HOUR, { metrics: { kind: 'dump-dir', fileCount: 4, totalBytes: 4_000_000, inProgress: 0 } }), backups: [] }]);
    expect(history.storedSeries('dumps', { from: T0 - DAY, to: T0 + DAY, maxPoints: 100 })).toEqual([{ at: T0 + HOUR, value: 4_000_000 }]);
    // The old poll is still there, with its backup age.
    expect(history.polledAgeSeries('dumps', { from: T0 - DAY, to: T0 + DAY, maxPoints: 100 })).toEqual([
      { at: T0, value: HOUR },
      { at: T0 + HOUR, value: HOUR },
    ]);
  });
});
