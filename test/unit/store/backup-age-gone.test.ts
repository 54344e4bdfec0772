// Issue 17: the backup-age chart counts a deleted backup only while it was there. A successful poll that no longer
// lists a stored backup marks it gone (in the poll's own write transaction), and from that poll on the age is
// measured from the newest backup still there; a failed poll proves nothing; a backup listed again counts again.
// Real SQLite through History.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { lifetimeCorners, lifetimeSeries } from '../../../electron/engine/store/backup-age';
import type { History } from '../../../electron/engine/store/history';
import type { ObservedBackup } from '../../../shared/model';
import { DAY, HOUR, T0, dump, failedPoll, okPoll, openHistory } from './temp-history';

function poll(history: History, sourceId: string, at: number, backups: ObservedBackup[]): void {
  const readable = backups.filter((b) => b.readable).sort((a, b) => b.finishedAt - a.finishedAt)[0];
  history.recordPolls([{ poll: okPoll(sourceId, at, { newestBackupAt: readable?.finishedAt ?? null }), backups }]);
}

const nightly = (day: number) => dump(`nightly-${day}.dump`, T0 + day * DAY + 2 * HOUR);
const [d0, d1, d2] = [nightly(0).finishedAt, nightly(1).finishedAt, nightly(2).finishedAt];
const range = { from: T0 - DAY, to: T0 + 6 * DAY, maxPoints: 1000 };

function goneAt(file: string, key: string): number | null {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[string], number | null>('SELECT gone_at FROM backups WHERE key = ?').pluck().get(key) ?? null;
  } finally {
    db.close();
  }
}

describe('the backup-age series when the newest backup is deleted', () => {
  it('grows from the poll that found it gone, not from a failed poll, and counts it again when it is back', () => {
    const { history, file } = openHistory();
    const seen = T0 + 2 * DAY + 6 * HOUR;
    poll(history, 'app', seen, [nightly(0), nightly(1), nightly(2)]);
    // The probe fails after night 2's dump was deleted: nothing is known, nothing is marked.
    history.recordPolls([{ poll: failedPoll('app', seen + 6 * HOUR), backups: [] }]);
    expect(goneAt(file, 'nightly-2.dump')).toBeNull();
    const found = T0 + 3 * DAY;
    poll(history, 'app', found, [nightly(0), nightly(1)]);
    expect(goneAt(file, 'nightly-2.dump')).toBe(found);
    expect(goneAt(file, 'nightly-1.dump')).toBeNull();
    const later = T0 + 3 * DAY + 6 * HOUR;
    poll(history, 'app', later, [nightly(0), nightly(1)]);
    expect(goneAt(file, 'nightly-2.dump')).toBe(found);

    const series = history.backupAgeSeries('app', range);
    expect(series).toEqual([
      { at: d0, value: 0 },
      { at: d1 - 1, value: DAY - 1 },
      { at: d1, value: 0 },
      { at: d2 - 1, value: DAY - 1 },
      { at: d2, value: 0 },
      // Fresh up to the poll that found night 2 gone (the failed poll between says nothing)...
      { at: found - 1, value: found - 1 - d2 },
      // ... then as old as night 1's, the newest that exists.
      { at: found, value: found - d1 },
      { at: later, value: later - d1 },
    ]);
    // A range starting after it was found gone starts from night 1, and one that ends before sees night 2.
    expect(history.backupAgeSeries('app', { from: found + HOUR, to: range.to, maxPoints: 1000 })).toEqual([
      { at: found + HOUR, value: found + HOUR - d1 },
      { at: later, value: later - d1 },
    ]);
    expect(history.backupAgeSeries('app', { from: d2 + HOUR, to: found - 1, maxPoints: 1000 })).toEqual([
      { at: d2 + HOUR, value: HOUR },
      { at: found - 1, value: found - 1 - d2 },
    ]);

    // Night 2's dump comes back (restored from elsewhere): it counts again, and the series is fresh once more.
    const back = T0 + 4 * DAY;
    poll(history, 'app', back, [nightly(0), nightly(1), nightly(2)]);
    expect(goneAt(file, 'nightly-2.dump')).toBeNull();
    expect(history.backupAgeSeries('app', range).at(-1)).toEqual({ at: back, value: back - d2 });
  });

  it('retention deleting old backups changes nothing; deleting all of them ends the age where none is left', () => {
    const { history } = openHistory();
    const first = T0 + 2 * DAY + 6 * HOUR;
    poll(history, 'app', first, [nightly(0), nightly(1), nightly(2)]);
    const before = history.backupAgeSeries('app', range);
    const pruned = T0 + 3 * DAY;
    poll(history, 'app', pruned, [nightly(2)]);
    expect(history.backupAgeSeries('app', range)).toEqual([...before.slice(0, -1), { at: pruned, value: pruned - d2 }]);
    // The newest deleted too, and a new one written an hour later: no age while nothing was there.
    const empty = T0 + 3 * DAY + 6 * HOUR;
    poll(history, 'app', empty, []);
    const night3 = dump('nightly-3.dump', empty + HOUR);
    const refilled = empty + 2 * HOUR;
    poll(history, 'app', refilled, [night3]);
    expect(history.backupAgeSeries('app', { from: pruned, to: range.to, maxPoints: 1000 })).toEqual([
      { at: pruned, value: pruned - d2 },
      { at: empty - 1, value: empty - 1 - d2 },
      { at: night3.finishedAt, value: 0 },
      { at: refilled, value: HOUR },
    ]);
  });

  it('counts equal finish times apart: one of two dumps finished at once deleted leaves the other', () => {
    const { history } = openHistory();
    const at = T0 + 2 * HOUR;
    const [a, b] = [dump('a.dump', at), dump('b.dump', at)];
    poll(history, 'app', T0 + 3 * HOUR, [nightly(-1), a, b]);
    poll(history, 'app', T0 + 4 * HOUR, [nightly(-1), b]);
    expect(history.backupAgeSeries('app', { from: T0, to: T0 + DAY, maxPoints: 1000 }).at(-1)).toEqual({ at: T0 + 4 * HOUR, value: 2 * HOUR });
    poll(history, 'app', T0 + 5 * HOUR, [nightly(-1)]);
    expect(history.backupAgeSeries('app', { from: T0, to: T0 + DAY, maxPoints: 1000 }).slice(-3)).toEqual([
      { at, value: 0 },
      { at: T0 + 5 * HOUR - 1, value: 3 * HOUR - 1 },
      { at: T0 + 5 * HOUR, value: T0 + 5 * HOUR - nightly(-1).finishedAt },
    ]);
  });

  it('of several sources: the newest backup there of any', () => {
    const { history } = openHistory();
    const base = dump('base-1', T0 + DAY + 12 * HOUR);
    poll(history, 'dumps', T0 + 2 * DAY + 6 * HOUR, [nightly(0), nightly(1), nightly(2)]);
    poll(history, 'bases', T0 + 2 * DAY + 6 * HOUR, [base]);
    const found = T0 + 3 * DAY;
    poll(history, 'dumps', found, [nightly(0)]);
    const series = history.databaseBackupAgeSeries([{ sourceId: 'dumps', database: null }, { sourceId: 'bases', database: null }], { from: T0 + 2 * DAY + 3 * HOUR, to: found, maxPoints: 1000 });
    expect(series).toEqual([
      { at: T0 + 2 * DAY + 3 * HOUR, value: HOUR },
      { at: found - 1, value: found - 1 - d2 },
      { at: found, value: found - base.finishedAt },
    ]);
  });
});

describe('lifetimeCorners', () => {
  it('ignores a backup gone before it finished, and takes the next newest where several go at once', () => {
    const finished = [T0, T0 + 10, T0 + 20, T0 + 30];
    const gone = [null, T0 + 50, T0 + 50, T0 + 5];
    expect(lifetimeCorners(finished, gone, T0, T0 + 100)).toEqual([
      { at: T0, value: 0 },
      { at: T0 + 9, value: 9 },
      { at: T0 + 10, value: 0 },
      { at: T0 + 19, value: 9 },
      { at: T0 + 20, value: 0 },
      { at: T0 + 49, value: 29 },
      { at: T0 + 50, value: 50 },
      { at: T0 + 100, value: 100 },
    ]);
  });
});

describe('lifetimeSeries', () => {
  it('thinned, ends where the last backup there was found gone when that is before the end', () => {
    const finished = Array.from({ length: 50 }, (_, i) => T0 + i * HOUR);
    const gone = finished.map(() => T0 + 60 * HOUR);
    const all = lifetimeCorners(finished, gone, T0, T0 + 100 * HOUR);
    expect(all.at(-1)).toEqual({ at: T0 + 60 * HOUR - 1, value: 11 * HOUR - 1 });
    for (const maxPoints of [1, 2, 3, 4, 10]) {
      const series = lifetimeSeries(finished, gone, T0, T0 + 100 * HOUR, maxPoints);
      expect(series.length).toBeLessThanOrEqual(maxPoints);
      expect(series.every((p) => all.some((c) => c.at === p.at && c.value === p.value))).toBe(true);
      expect(Math.max(...series.map((p) => p.value))).toBe(11 * HOUR - 1);
      if (maxPoints > 2) expect([series[0], series.at(-1)]).toEqual([all[0], all.at(-1)]);
    }
  });
});

describe('the queries of issue 17', () => {
  it('read finish and gone times, and the backups there, from the partial indexes alone', () => {
    const { history, file } = openHistory();
    poll(history, 'app', T0 + 3 * DAY, [nightly(0), nightly(1), nightly(2)]);
    history.close();
    const db = new Database(file, { readonly: true });
    const plan = (sql: string, ...args: unknown[]) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((row) => (row as { detail: string }).detail);
    const where = 'source_id = ? AND readable = 1 AND size_bytes > 0';
    expect(plan(`SELECT iif(gone_at IS NULL, finished_at, -finished_at) FROM backups WHERE ${where} AND finished_at > ? AND finished_at <= ? ORDER BY finished_at`, 'app', T0, T0 + DAY)).toEqual([
      expect.stringContaining('USING COVERING INDEX backups_readable_finished'),
    ]);
    expect(plan(`SELECT finished_at, gone_at FROM backups WHERE ${where} AND finished_at > ? AND finished_at <= ? AND gone_at IS NOT NULL ORDER BY finished_at`, 'app', T0, T0 + DAY)).toEqual([
      expect.stringContaining('USING COVERING INDEX backups_readable_finished'),
    ]);
    expect(plan(`SELECT finished_at, gone_at FROM backups WHERE ${where} AND finished_at <= ? AND (gone_at IS NULL OR gone_at > ?) ORDER BY finished_at DESC`, 'app', T0, T0)).toEqual([
      expect.stringContaining('USING COVERING INDEX backups_readable_finished'),
    ]);
    expect(plan('SELECT id, key, finished_at, first_seen_at FROM backups WHERE source_id = ? AND gone_at IS NULL', 'app')).toEqual([
      expect.stringContaining('USING COVERING INDEX backups_present'),
    ]);
    db.close();
  });
});
