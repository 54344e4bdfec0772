// The recoverable WAL window series a WAL-keeping source's page charts, read from the store's index of each poll's
// window (store/wal-windows.ts, 008-wal-windows.ts) instead of every poll's metrics: for two months of polls with
// a timeline switch, gaps, failed polls, polls whose archive could not be listed, polls from before it was listed,
// archives without a newest time or without their first segment, and polls of another kind under the same id, it
// gives exactly what reducing the whole polls gives (walSeriesFromPolls), over ranges of every kind; and polls
// recorded before the migration get the same windows from it as polls recorded after.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MAX_CHART_POINTS } from '../../../shared/api';
import type { Poll } from '../../../shared/model';
import { History } from '../../../electron/engine/store/history';
import { MIGRATIONS } from '../../../electron/engine/store/migrations/index';
import { walWindowsSchema } from '../../../electron/engine/store/migrations/008-wal-windows';
import { timeBucketEdges } from '../../../electron/engine/store/wal-windows';
import { DAY, HOUR, MINUTE, T0, openHistory } from './temp-history';
import { walArchivePolls, walSeriesFromPolls } from './wal-archive-polls';

const BUCKETS = MAX_CHART_POINTS / 2;
const START = T0;
const END = T0 + 60 * DAY;
// Timeline 2 begins 5 days in, gaps of 3 hours 17 and 40 days in (wal-archive-polls.ts counts them from the origin).
const ORIGIN = T0 - 95 * DAY;

function polls(): Poll[] {
  return walArchivePolls('base', {
    origin: ORIGIN,
    start: START,
    end: END,
    every: 10 * MINUTE,
    rhythm: { failed: 13, unlisted: 29, notListedYet: 31, noNewestTime: 37, otherKind: 41, firstSegmentMissing: 43 },
  });
}

function record(history: History, all: Poll[]): void {
  history.recordPolls(all.map((poll) => ({ poll, backups: [] })));
  // Another source's polls in between, which no range of 'base' may pick up.
  history.recordPolls(walArchivePolls('other', { origin: ORIGIN, start: START + 7 * MINUTE, end: END, every: HOUR, rhythm: { failed: 0, unlisted: 0, notListedYet: 0, noNewestTime: 0, otherKind: 0, firstSegmentMissing: 0 } }).map((poll) => ({ poll, backups: [] })));
}

/** Ranges as the page asks for them and the awkward ones: all of it, a week with a gap, ranges starting inside a gap or before the first poll, and ranges with fewer polls than buckets. */
const RANGES: [string, number, number][] = [
  ['the two months', START, END],
  ['a year ending after the last poll', END + 3 * DAY - 365 * DAY, END + 3 * DAY],
  ['the week around the first gap', START + 14 * DAY, START + 21 * DAY],
  ['30 days from inside the first gap', START + 17 * DAY + HOUR + 1, START + 47 * DAY + HOUR + 1],
  ['the 5 hours around the timeline switch', START + 5 * DAY - 2 * HOUR, START + 5 * DAY + 3 * HOUR],
  ['an odd range', START + 12_345_678, START + 23 * DAY + 987_654_321],
  ['one poll', START + 10 * MINUTE, START + 10 * MINUTE],
  ['before any poll', START - 30 * DAY, START - MINUTE],
];

describe('the recoverable WAL window series of a source', () => {
  const all = polls();

  it('is what reducing every whole poll gives, for every range, with gaps, failures, unlisted archives and other kinds among the polls', () => {
    const { history } = openHistory();
    record(history, all);
    // The data has every case the series treats differently.
    const summaries = all.map((p) => (p.metrics !== null && 'walArchive' in p.metrics ? p.metrics.walArchive : undefined));
    expect(all.some((p) => p.metrics === null)).toBe(true);
    expect(all.some((p) => p.metrics?.kind === 'dump-dir')).toBe(true);
    expect(summaries.some((s) => s === null)).toBe(true);
    expect(all.some((p) => p.metrics?.kind === 'basebackup' && !('walArchive' in p.metrics))).toBe(true);
    expect(summaries.some((s) => s?.newestArchivedAt === null)).toBe(true);
    expect(summaries.some((s) => s?.gaps[0]?.afterArchivedAt === null)).toBe(true);
    expect(new Set(summaries.map((s) => s?.timeline))).toEqual(new Set([undefined, 1, 2]));

    for (const [name, from, to] of RANGES) {
      const expected = walSeriesFromPolls(all, from, to, BUCKETS);
      expect(history.walWindowSeries('base', { from, to, buckets: BUCKETS }), name).toEqual(expected.walWindows);
      expect(history.newestWalArchivePoll('base', { from, to }), name).toEqual(expected.newestPoll);
    }
    // The worst of each bucket: both gaps are in the two months' chart, where recovery stops with them.
    const twoMonths = history.walWindowSeries('base', { from: START, to: END, buckets: BUCKETS });
    expect(twoMonths.length).toBeGreaterThan(BUCKETS - 5);
    expect(twoMonths.filter((p) => p.missing > 0).map((p) => Math.floor((p.at - START) / DAY))).toEqual(expect.arrayContaining([17, 40]));
    expect(twoMonths.some((p) => p.missing > 0 && p.stopsAt !== null && p.stopsAt < p.at)).toBe(true);
  });

  it('gives polls recorded before the migration the windows polls recorded after it get', () => {
    const { history, file } = openHistory();
    record(history, all);
    const columns = (db: Database.Database) =>
      db.prepare('SELECT id, wal_archive, wal_from, wal_to, wal_missing, wal_stops_at FROM polls ORDER BY id').raw().all();
    const ingested = columns(new Database(file, { readonly: true }));
    expect(ingested.filter((row) => (row as unknown[])[1] === 1).length).toBeGreaterThan(all.length / 2);
    history.close();

    // The file as the version before wrote it: the same polls without the columns, which the migration fills.
    const old = new Database(file);
    old.exec('DROP INDEX polls_wal_windows');
    for (const column of ['wal_archive', 'wal_from', 'wal_to', 'wal_missing', 'wal_stops_at']) old.exec(`ALTER TABLE polls DROP COLUMN ${column}`);
    old.pragma(`user_version = ${MIGRATIONS.indexOf(walWindowsSchema)}`);
    old.close();

    const migrated = History.open(file);
    try {
      expect(columns(new Database(file, { readonly: true }))).toEqual(ingested);
      const expected = walSeriesFromPolls(all, START, END, BUCKETS);
      expect(migrated.walWindowSeries('base', { from: START, to: END, buckets: BUCKETS })).toEqual(expected.walWindows);
    } finally {
      migrated.close();
    }
  });

  it('splits a range into buckets exactly where the page always split it', () => {
    for (const [from, to, buckets] of [
      [START, END, BUCKETS],
      [START + 12_345_678, START + 23 * DAY + 987_654_321, BUCKETS],
      [START, START + 7 * DAY, 7],
      [START, START + 100, BUCKETS],
      [START, START, BUCKETS],
    ] as const) {
      const width = Math.max(1, (to - from) / buckets);
      const edges = timeBucketEdges(from, to, buckets);
      expect(edges[0]).toBe(from);
      expect(edges[edges.length - 1]).toBe(to + 1);
      for (let i = 0; i + 1 < edges.length; i++) {
        // Every time from this edge to the next is in bucket i, the one before the edge in bucket i - 1.
        const bucketOf = (t: number) => Math.min(buckets - 1, Math.floor((t - from) / width));
        expect(bucketOf(edges[i]!)).toBe(i);
        expect(bucketOf(edges[i + 1]! - 1)).toBe(i);
        if (i > 0) expect(bucketOf(edges[i]! - 1)).toBe(i - 1);
      }
    }
  });
});
