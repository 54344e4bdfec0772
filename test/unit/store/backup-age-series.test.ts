// The backup-age chart from the backups' finish times: a sawtooth whose corners are exact, that reaches back to the
// first backup whenever the first poll was, keeps deleted backups, and is thinned without losing its worst peak.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sawtoothCorners } from '../../../electron/engine/store/backup-age';
import type { History } from '../../../electron/engine/store/history';
import { MIGRATIONS } from '../../../electron/engine/store/migrations/index';
import { backupAgeSchema } from '../../../electron/engine/store/migrations/009-backup-age';
import type { ObservedBackup, SeriesPoint } from '../../../shared/model';
import { DAY, HOUR, MINUTE, T0, dump, failedPoll, okPoll, openHistory } from './temp-history';

/** One successful poll at `at` that saw `backups` (its newest readable one as the poll's newest backup). */
function poll(history: History, sourceId: string, at: number, backups: ObservedBackup[]): void {
  const readable = backups.filter((b) => b.readable).sort((a, b) => b.finishedAt - a.finishedAt)[0];
  history.recordPolls([{ poll: okPoll(sourceId, at, { newestBackupAt: readable?.finishedAt ?? null }), backups }]);
}

const nightly = (day: number, minute = 0) => dump(`nightly-${day}.dump`, T0 + day * DAY + 2 * HOUR + minute * MINUTE);

/** The age at `at` by definition: `at` minus the newest finish at or before it. */
function ageAt(finishes: readonly number[], at: number): number {
  return at - Math.max(...finishes.filter((f) => f <= at));
}

describe('History.backupAgeSeries (from the backups)', () => {
  it("of several sources (a database's routines): the age of the newest backup of any, to the newest poll of any", () => {
    const { history } = openHistory();
    // Nightly dumps on days 0-2; a weekly base backup on day 1 at noon and day 4 at 03:00 (the dumps stopped on day 3).
    const dumps = [nightly(0), nightly(1), nightly(2)];
    const bases = [dump('base-1', T0 + DAY + 12 * HOUR), dump('base-4', T0 + 4 * DAY + 3 * HOUR)];
    poll(history, 'dumps', T0 + 3 * DAY, dumps);
    poll(history, 'bases', T0 + 4 * DAY + 6 * HOUR, bases);
    const series = history.databaseBackupAgeSeries([{ sourceId: 'dumps', database: null }, { sourceId: 'bases', database: null }], { from: T0 - DAY, to: T0 + 5 * DAY, maxPoints: 1000 });
    const finishes = [...dumps, ...bases].map((b) => b.finishedAt);
    expect(series.map((p) => p.at)).toEqual([...finishes].sort((a, b) => a - b).flatMap((f, i) => (i === 0 ? [f] : [f - 1, f])).concat(T0 + 4 * DAY + 6 * HOUR));
    for (const point of series) expect(point.value).toBe(ageAt(finishes, point.at));
    // One source alone is as before; none with a backup is empty.
    expect(history.databaseBackupAgeSeries([{ sourceId: 'dumps', database: null }], { from: T0 - DAY, to: T0 + 5 * DAY, maxPoints: 1000 })).toEqual(history.backupAgeSeries('dumps', { from: T0 - DAY, to: T0 + 5 * DAY, maxPoints: 1000 }));
    expect(history.databaseBackupAgeSeries([{ sourceId: 'nothing', database: null }], { from: T0 - DAY, to: T0 + 5 * DAY, maxPoints: 1000 })).toEqual([]);
  });

  it('is a sawtooth with exact corners: the start, each peak 1 ms before a backup and its drop, the end', () => {
    const { history } = openHistory();
    // Nightly at 02:00 on days 0, 1 and 2, then 02:30 on day 4 (day 3 missed), polled at noon on day 4 only.
    const backups = [nightly(0), nightly(1), nightly(2), nightly(4, 30)];
    poll(history, 'app', T0 + 4 * DAY + 12 * HOUR, backups);
    const series = history.backupAgeSeries('app', { from: T0 - DAY, to: T0 + 5 * DAY, maxPoints: 1000 });
    const [d0, d1, d2, d4] = backups.map((b) => b.finishedAt) as [number, number, number, number];
    expect(series).toEqual([
      { at: d0, value: 0 },
      { at: d1 - 1, value: DAY - 1 },
      { at: d1, value: 0 },
      { at: d2 - 1, value: DAY - 1 },
      { at: d2, value: 0 },
      { at: d4 - 1, value: 2 * DAY + 30 * MINUTE - 1 },
      { at: d4, value: 0 },
      // Measured up to the newest poll, not to `to`: nothing says what came after it.
      { at: T0 + 4 * DAY + 12 * HOUR, value: 10 * HOUR - 30 * MINUTE },
    ]);
  });

  it('gives a new installation the history of its backups at the first poll: 30 days of dumps, 30 days of chart', () => {
    const { history } = openHistory();
    const now = T0 + 40 * DAY + 9 * HOUR;
    const dumps = Array.from({ length: 30 }, (_, i) => nightly(11 + i, (i * 7) % 40));
    poll(history, 'dumps', now, dumps);
    const series = history.backupAgeSeries('dumps', { from: now - 30 * DAY, to: now, maxPoints: 1000 });

    // 30 drops, 29 peaks between them, and the value now.
    expect(series).toHaveLength(30 + 29 + 1);
    expect(series[0]).toEqual({ at: dumps[0]!.finishedAt, value: 0 });
    expect(series.at(-1)).toEqual({ at: now, value: now - dumps[29]!.finishedAt });
    expect(now - series[0]!.at).toBeGreaterThan(29 * DAY);
    const finishes = dumps.map((b) => b.finishedAt);
    for (const point of series) expect(point.value).toBe(ageAt(finishes, point.at));
    // The first poll was now; the chart of polls alone has one point.
    expect(history.polledAgeSeries('dumps', { from: now - 30 * DAY, to: now, maxPoints: 1000 })).toHaveLength(1);
  });

  it('counts backups that retention deleted since, for the instants after they finished', () => {
    const { history } = openHistory();
    poll(history, 'dumps', T0 + 2 * DAY + 3 * HOUR, [nightly(0), nightly(1), nightly(2)]);
    // Days 0 and 1 deleted, 3 and 4 new: a poll sees only what is there.
    poll(history, 'dumps', T0 + 4 * DAY + 3 * HOUR, [nightly(2), nightly(3), nightly(4)]);
    const series = history.backupAgeSeries('dumps', { from: T0, to: T0 + 5 * DAY, maxPoints: 1000 });
    expect(series.filter((p) => p.value === 0).map((p) => p.at)).toEqual([0, 1, 2, 3, 4].map((day) => nightly(day).finishedAt));
    expect(series[0]).toEqual({ at: nightly(0).finishedAt, value: 0 });
    expect(series).toContainEqual({ at: nightly(1).finishedAt - 1, value: DAY - 1 });
  });

  it('clips to [from, to]: the value at `from` in the middle of a gap, and at `to` when a later poll saw the backups', () => {
    const { history } = openHistory();
    const backups = [nightly(0), nightly(1), nightly(5), nightly(6)];
    // Polled only on day 0 and on day 9: the week between was never polled, yet its backups are known.
    poll(history, 'app', T0 + 3 * HOUR, [nightly(0)]);
    poll(history, 'app', T0 + 9 * DAY, backups);
    const from = T0 + 3 * DAY + 5 * HOUR;
    const to = T0 + 5 * DAY + HOUR;
    const series = history.backupAgeSeries('app', { from, to, maxPoints: 1000 });
    expect(series).toEqual([
      { at: from, value: from - nightly(1).finishedAt },
      { at: to, value: to - nightly(1).finishedAt },
    ]);
    expect(series[1]!.value).toBe(4 * DAY - HOUR);

    // A range ending just after the day-5 backup has its drop, and starts exactly on a finish.
    const series2 = history.backupAgeSeries('app', { from: nightly(1).finishedAt, to: nightly(5).finishedAt + MINUTE, maxPoints: 1000 });
    expect(series2).toEqual([
      { at: nightly(1).finishedAt, value: 0 },
      { at: nightly(5).finishedAt - 1, value: 4 * DAY - 1 },
      { at: nightly(5).finishedAt, value: 0 },
      { at: nightly(5).finishedAt + MINUTE, value: MINUTE },
    ]);
    // Before the first backup there is no age.
    expect(history.backupAgeSeries('app', { from: T0 - 2 * DAY, to: T0 - DAY, maxPoints: 1000 })).toEqual([]);
  });

  it('keeps at most maxPoints, always the start, the end and the highest peak', () => {
    const { history } = openHistory();
    // 2,000 backups every 6 hours (a few minutes late now and then), one 3-day outage, one 30-hour one.
    const backups: ObservedBackup[] = [];
    let at = T0;
    for (let i = 0; i < 2000; i++) {
      at += 6 * HOUR + ((i * 37) % 11) * MINUTE;
      if (i === 700) at += 3 * DAY;
      if (i === 1500) at += 30 * HOUR;
      backups.push(dump(`b${i}.dump`, at));
    }
    const end = at + 2 * HOUR;
    poll(history, 'app', end, backups);
    const finishes = backups.map((b) => b.finishedAt);
    const all = history.backupAgeSeries('app', { from: T0, to: end, maxPoints: Number.MAX_SAFE_INTEGER });
    expect(all).toHaveLength(2000 + 1999 + 1);
    const highest = all.reduce((high, p) => (p.value > high.value ? p : high));
    expect(highest).toEqual({ at: finishes[700]! - 1, value: finishes[700]! - finishes[699]! - 1 });
    const second = { at: finishes[1500]! - 1, value: finishes[1500]! - finishes[1499]! - 1 };

    for (const maxPoints of [3, 4, 10, 50, 333, 1000]) {
      const series = history.backupAgeSeries('app', { from: T0, to: end, maxPoints });
      expect(series.length, `maxPoints ${maxPoints}`).toBeLessThanOrEqual(maxPoints);
      expect(series[0]).toEqual(all[0]);
      expect(series.at(-1)).toEqual({ at: end, value: 2 * HOUR });
      expect(series).toContainEqual(highest);
      if (maxPoints >= 10) expect(series, `maxPoints ${maxPoints}`).toContainEqual(second);
      for (const point of series) expect(point.value).toBe(ageAt(finishes, point.at));
      for (let i = 1; i < series.length; i++) expect(series[i]!.at).toBeGreaterThan(series[i - 1]!.at);
    }
    expect(history.backupAgeSeries('app', { from: T0, to: end, maxPoints: 1000 }).length).toBeGreaterThan(900);
    expect(history.backupAgeSeries('app', { from: T0, to: end, maxPoints: 2 })).toEqual([all[0], highest]);
    expect(history.backupAgeSeries('app', { from: T0, to: end, maxPoints: 1 })).toEqual([highest]);
  });

  it('counts only readable backups of the source, and ends at the newest poll that saw one', () => {
    const { history } = openHistory();
    const broken = { ...nightly(1), key: 'nightly-1.dump.gz', readable: false, problem: 'not in gzip format' };
    const empty = { ...nightly(2), key: 'nightly-2.dump', sizeBytes: 0 };
    poll(history, 'app', T0 + 2 * DAY + 3 * HOUR, [nightly(0), broken, empty]);
    poll(history, 'other', T0 + 2 * DAY + 3 * HOUR, [nightly(1), nightly(2)]);
    // Failed polls since: the chart stops where the source was last seen, as the backup-age rule measures.
    history.recordPolls([{ poll: failedPoll('app', T0 + 3 * DAY), backups: [] }]);
    expect(history.backupAgeSeries('app', { from: T0, to: T0 + 4 * DAY, maxPoints: 1000 })).toEqual([
      { at: nightly(0).finishedAt, value: 0 },
      { at: T0 + 2 * DAY + 3 * HOUR, value: 2 * DAY + HOUR },
    ]);
    // A range after the last observation, a source never polled, a server with no backups: nothing to draw.
    expect(history.backupAgeSeries('app', { from: T0 + 2 * DAY + 4 * HOUR, to: T0 + 4 * DAY, maxPoints: 1000 })).toEqual([]);
    expect(history.backupAgeSeries('never', { from: T0, to: T0 + 4 * DAY, maxPoints: 1000 })).toEqual([]);
    history.recordPolls([{ poll: okPoll('db1', T0 + DAY, { newestBackupAt: null, metrics: null }), backups: [] }]);
    expect(history.backupAgeSeries('db1', { from: T0, to: T0 + 4 * DAY, maxPoints: 1000 })).toEqual([]);
  });

  it('reads finish times from the partial index alone, which the migration adds to an existing file', () => {
    const { history, file } = openHistory();
    poll(history, 'app', T0 + DAY, [nightly(0)]);
    history.close();
    // The file as the version before wrote it.
    const old = new Database(file);
    old.exec('DROP INDEX backups_readable_finished');
    old.pragma(`user_version = ${MIGRATIONS.indexOf(backupAgeSchema)}`);
    old.close();

    const { history: migrated } = openHistory(file);
    expect(migrated.backupAgeSeries('app', { from: T0, to: T0 + DAY, maxPoints: 10 })).toEqual([
      { at: nightly(0).finishedAt, value: 0 },
      { at: T0 + DAY, value: DAY - 2 * HOUR },
    ]);
    const db = new Database(file, { readonly: true });
    const plan = (sql: string, ...args: unknown[]) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((row) => (row as { detail: string }).detail);
    const where = 'source_id = ? AND readable = 1 AND size_bytes > 0';
    expect(plan(`SELECT finished_at FROM backups WHERE ${where} AND finished_at > ? AND finished_at <= ? ORDER BY finished_at`, 'app', T0, T0 + DAY)).toEqual([
      expect.stringContaining('USING COVERING INDEX backups_readable_finished'),
    ]);
    expect(plan(`SELECT finished_at FROM backups WHERE ${where} AND finished_at <= ? ORDER BY finished_at DESC LIMIT 1`, 'app', T0)).toEqual([
      expect.stringContaining('USING COVERING INDEX backups_readable_finished'),
    ]);
    db.close();
  });
});

describe('sawtoothCorners', () => {
  it('counts equal finish times once and never repeats an instant', () => {
    const corners: SeriesPoint[] = sawtoothCorners([T0 + 1, T0 + 1, T0 + 2, T0 + HOUR], T0, T0, T0 + HOUR);
    expect(corners).toEqual([
      { at: T0, value: 0 },
      { at: T0 + 1, value: 0 },
      { at: T0 + 2, value: 0 },
      { at: T0 + HOUR - 1, value: HOUR - 3 },
      { at: T0 + HOUR, value: 0 },
    ]);
  });
});
