// A year of 5-minute polls, thinned: what a user sees (charts, latest poll, failures in a row, backups,
// events) must not change beyond what a chart can show, and the file must hold far fewer polls.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketEdges, minMaxBucketCount } from '../../../electron/engine/store/downsample';
import { History } from '../../../electron/engine/store/history';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../electron/engine/store/migrations/index';
import { hourOf } from '../../../electron/engine/store/poll-compaction';
import type { PollEntry } from '../../../electron/engine/store/types';
import { MAX_CHART_POINTS, RANGES } from '../../../shared/api';
import type { Poll, SeriesPoint } from '../../../shared/model';
import { DAY, HOUR, MINUTE, T0, dump, failedPoll, okPoll, openHistory, tempDir } from './temp-history';

const POLL_EVERY = 5 * MINUTE;
const NOW = T0 + 365 * DAY;
const KEEP_RAW = 35 * DAY;
const RAW_SINCE = NOW - KEEP_RAW;
const MISSED_NIGHT = 100;
const GB = 1024 ** 3;
const MB = 1024 ** 2;
const EVERY_POINT = Number.MAX_SAFE_INTEGER;
const SOURCES = ['dumps', 'offsite', 'retired', 'archive'] as const;
/** The retired source's last poll was at 20:35 + 39 polls = 23:50 on day 264. */
const RETIRED_AT = NOW - 100 * DAY;

/** The night's dump lands at 02:03-02:52, a different minute each day. */
const dumpLandsAt = (day: number) => T0 + day * DAY + 2 * HOUR + (3 + ((day * 17) % 50)) * MINUTE;

/**
 * 'dumps': a dump directory, never failing, its size flat between nightly dumps (the common case).
 * 'offsite': a restic repository whose size wobbles from poll to poll, with a one-poll dip on day 200 (a prune
 *   gone wrong), a missed night, every 50th poll failed, an afternoon of failures, and the last 3 polls failed.
 * 'retired': polled until 100 days ago, its last 40 polls failed.
 */
function yearOfPolls(): PollEntry[] {
  const entries: PollEntry[] = [];
  let newestBackupAt = T0 - DAY;
  let nights = 0;
  for (let i = 0, at = T0; at < NOW; i++, at += POLL_EVERY) {
    const day = Math.floor((at - T0) / DAY);
    if (at >= dumpLandsAt(day) && day !== MISSED_NIGHT && newestBackupAt < dumpLandsAt(day)) {
      newestBackupAt = dumpLandsAt(day);
      nights++;
    }
    const dumpDir = { kind: 'dump-dir' as const, fileCount: 7, totalBytes: 7 * GB + nights * MB, inProgress: 0 };
    entries.push({ poll: okPoll('dumps', at, { newestBackupAt, metrics: dumpDir }), backups: [] });

    const afternoonDown = at >= T0 + 150 * DAY + 10 * HOUR + 20 * MINUTE && at < T0 + 150 * DAY + 14 * HOUR + 40 * MINUTE;
    if (i % 50 === 7 || afternoonDown || at >= NOW - 3 * POLL_EVERY) {
      entries.push({ poll: failedPoll('offsite', at), backups: [] });
    } else {
      const dip = at === T0 + 200 * DAY + 13 * HOUR + 35 * MINUTE;
      const repoSizeBytes = dip ? GB : 50 * GB + nights * 100 * MB + ((i * 7919) % 13) * MB;
      const metrics = { kind: 'restic' as const, snapshotCount: nights, repoSizeBytes, restoreSizeBytes: null, sizesPending: 0 };
      entries.push({ poll: okPoll('offsite', at, { newestBackupAt, metrics }), backups: [] });
    }

    if (at < RETIRED_AT) {
      const streak = at >= RETIRED_AT - 40 * POLL_EVERY;
      // 20:30 failed too, and the last good poll, 20:35, holds neither its hour's lowest age (20:00) nor its
      // highest (20:25): thinned by extremes alone, the two failures would join into one run of 41.
      const blip = at === RETIRED_AT - 42 * POLL_EVERY;
      const lastGood = at === RETIRED_AT - 41 * POLL_EVERY;
      const good = okPoll('retired', at, { newestBackupAt: lastGood ? newestBackupAt + (at - hourOf(at)) - MINUTE : newestBackupAt });
      entries.push({ poll: streak || blip ? failedPoll('retired', at) : good, backups: [] });
    }
  }
  return entries;
}

const allAges = (history: History, id: string) => history.polledAgeSeries(id, { from: 0, to: NOW, maxPoints: EVERY_POINT });
const allSizes = (history: History, id: string) => history.storedSeries(id, { from: 0, to: NOW, maxPoints: EVERY_POINT });
const chart = (history: History, id: string, range: keyof typeof RANGES) => ({
  ages: history.polledAgeSeries(id, { from: NOW - RANGES[range], to: NOW, maxPoints: MAX_CHART_POINTS }),
  sizes: history.storedSeries(id, { from: NOW - RANGES[range], to: NOW, maxPoints: MAX_CHART_POINTS }),
});

function pollCount(file: string, where = '1'): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM polls WHERE ${where}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Points grouped by clock hour. */
function byHour(points: readonly SeriesPoint[]): Map<number, SeriesPoint[]> {
  const hours = new Map<number, SeriesPoint[]>();
  for (const point of points) {
    const hour = hourOf(point.at);
    const list = hours.get(hour);
    if (list) list.push(point);
    else hours.set(hour, [point]);
  }
  return hours;
}

/** The earliest lowest and earliest highest point: the ones the chart's min() and max() pick. */
function extremes(points: readonly SeriesPoint[]): { low: SeriesPoint; high: SeriesPoint } {
  let low = points[0] as SeriesPoint;
  let high = points[0] as SeriesPoint;
  for (const point of points) {
    if (point.value < low.value) low = point;
    if (point.value > high.value) high = point;
  }
  return { low, high };
}

describe('compacting a year of 5-minute polls', () => {
  let dir: string;
  let file: string;
  let history: History;
  const before = {
    rows: 0,
    rawWindowRows: 0,
    nextDayRawRows: 0,
    ages: new Map<string, SeriesPoint[]>(),
    sizes: new Map<string, SeriesPoint[]>(),
    charts: new Map<string, ReturnType<typeof chart>>(),
    latest: new Map<string, Poll | null>(),
    failures: new Map<string, number>(),
  };
  let firstRun: Awaited<ReturnType<History['compactPolls']>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backup-health-compaction-'));
    file = join(dir, 'history.sqlite');
    history = History.open(file);
    history.recordPolls(yearOfPolls());
    // A source polled three times, long ago, with a backup. Its latest poll holds neither the lowest age nor
    // the highest, but it is in the source's newest hour, so it stays.
    history.recordPolls(
      [10, 50, 30].map((ageMinutes, i) => {
        const at = T0 + 10 * DAY + i * POLL_EVERY;
        return { poll: okPoll('archive', at, { newestBackupAt: at - ageMinutes * MINUTE }), backups: [dump('/b/old.dump', T0 + 9 * DAY)] };
      }),
    );
    // An old change, judged by a process that has seen the source's latest poll.
    const polledAt = history.latestPoll('offsite')!.at;
    expect(history.recordStatus({ at: T0 + 150 * DAY + 10 * HOUR + 30 * MINUTE, sourceId: 'offsite', polledAt, status: 'unknown', findings: [] })).not.toBeNull();
    before.rows = pollCount(file);
    before.rawWindowRows = pollCount(file, `at >= ${RAW_SINCE}`);
    before.nextDayRawRows = pollCount(file, `at >= ${RAW_SINCE + DAY}`);
    for (const id of SOURCES) {
      before.ages.set(id, allAges(history, id));
      before.sizes.set(id, allSizes(history, id));
      for (const range of ['7d', '30d', '1y'] as const) before.charts.set(`${id} ${range}`, chart(history, id, range));
      before.latest.set(id, history.latestPoll(id));
      before.failures.set(id, history.consecutiveFailures(id));
    }
    firstRun = await history.compactPolls({ now: NOW, keepRawMs: KEEP_RAW });
  }, 120_000);

  afterAll(() => {
    history?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps 2 polls of the 12 in an hour of a steady source (3 in the hour its dump lands), and every poll of the raw window', () => {
    expect(before.rows).toBeGreaterThan(3 * 90_000);
    expect(firstRun.deleted).toBe(before.rows - pollCount(file));
    expect(pollCount(file, `at >= ${RAW_SINCE}`)).toBe(before.rawWindowRows);

    const db = new Database(file, { readonly: true });
    const perHour = db
      .prepare(`SELECT at / ${HOUR} AS hour, count(*) AS n FROM polls WHERE source_id = 'dumps' AND at < ${hourOf(RAW_SINCE)} GROUP BY hour`)
      .all() as { hour: number; n: number }[];
    db.close();
    const thinnedHours = (hourOf(RAW_SINCE) - T0) / HOUR;
    expect(perHour).toHaveLength(thinnedHours);
    // Within an hour the age rises and the size is flat: the first poll holds the lowest age and the size,
    // the last the highest age. In the hour the dump lands after 02:05, the last poll before it holds the
    // highest age and the first after it the lowest age and the new size.
    const dumpHours = Array.from({ length: thinnedHours / 24 }, (_, day) => day).filter((day) => day !== MISSED_NIGHT && (day * 17) % 50 >= 3).length;
    expect(perHour.filter(({ n }) => n === 3)).toHaveLength(dumpHours);
    expect(perHour.filter(({ n }) => n === 2)).toHaveLength(thinnedHours - dumpHours);

    // 330 days at ~2.04 an hour plus 35 days at 12 an hour: ~4 times fewer rows for this source.
    expect(pollCount(file, "source_id = 'dumps'")).toBe(2 * thinnedHours + dumpHours + 35 * 288);
    expect(before.rows / pollCount(file)).toBeGreaterThan(2.5);
  });

  it('keeps every clock hour’s lowest and highest backup age and stored size at the same polls', () => {
    for (const id of SOURCES) {
      for (const [what, beforePoints, afterPoints] of [
        ['age', before.ages.get(id)!, allAges(history, id)],
        ['size', before.sizes.get(id)!, allSizes(history, id)],
      ] as const) {
        expect(afterPoints.length, `${id} ${what}`).toBeLessThan(id === 'archive' ? 4 : beforePoints.length);
        const beforeByAt = new Map(beforePoints.map((p) => [p.at, p.value]));
        for (const point of afterPoints) expect(beforeByAt.get(point.at), `${id} ${what} at ${point.at}`).toBe(point.value);
        const hoursBefore = byHour(beforePoints);
        const hoursAfter = byHour(afterPoints);
        expect([...hoursAfter.keys()], `${id} ${what}: hours with a value`).toEqual([...hoursBefore.keys()]);
        for (const [hour, points] of hoursBefore) expect(extremes(hoursAfter.get(hour)!), `${id} ${what} hour ${hour}`).toEqual(extremes(points));
      }
    }
  });

  it('draws the 1-year charts within an hour of each bucket’s edges: each bucket between its raw inner and outer hours', () => {
    // A 1-year bucket is ~17.5 hours (500 buckets) and starts mid-hour, so the exact property is a sandwich:
    // hours wholly inside a bucket keep their extremes, and what is drawn comes only from hours touching it.
    for (const id of ['dumps', 'offsite'] as const) {
      for (const [what, rawPoints, series] of [
        ['age', before.ages.get(id)!, chart(history, id, '1y').ages],
        ['size', before.sizes.get(id)!, chart(history, id, '1y').sizes],
      ] as const) {
        const rawHours = new Map([...byHour(rawPoints.filter((p) => p.at >= NOW - RANGES['1y']))].map(([hour, points]) => [hour, extremes(points)]));
        /** The lowest and highest raw value over the clock hours [first, end). */
        const rawBetween = (first: number, end: number) => {
          const hours = [...rawHours].filter(([hour]) => hour >= first && hour < end).map(([, e]) => e);
          return hours.length === 0 ? null : { low: Math.min(...hours.map((e) => e.low.value)), high: Math.max(...hours.map((e) => e.high.value)) };
        };
        const kept = (what === 'age' ? allAges : allSizes)(history, id).filter((p) => p.at >= NOW - RANGES['1y']);
        const edges = bucketEdges(kept[0]!.at, kept.at(-1)!.at, minMaxBucketCount(MAX_CHART_POINTS));
        expect(series.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
        for (let b = 0; b + 1 < edges.length; b++) {
          const [start, end] = [edges[b]!, edges[b + 1]!];
          const drawn = series.filter((p) => p.at >= start && p.at < end);
          // Hours touching the bucket, and hours wholly inside it.
          const outer = rawBetween(hourOf(start), hourOf(end - 1) + HOUR);
          const inner = rawBetween(hourOf(start - 1) + HOUR, hourOf(end));
          if (drawn.length === 0) {
            expect(inner, `${id} ${what} bucket ${b}`).toBeNull();
            continue;
          }
          const low = Math.min(...drawn.map((p) => p.value));
          const high = Math.max(...drawn.map((p) => p.value));
          expect(low).toBeGreaterThanOrEqual(outer!.low);
          expect(high).toBeLessThanOrEqual(outer!.high);
          if (inner !== null) {
            expect(low, `${id} ${what} bucket ${b} low`).toBeLessThanOrEqual(inner.low);
            expect(high, `${id} ${what} bucket ${b} high`).toBeGreaterThanOrEqual(inner.high);
          }
        }
      }
    }
    // What the news was stays on the chart: the 48-hour age of the missed night, the one-poll dip.
    const offsite = chart(history, 'offsite', '1y');
    expect(extremes(offsite.ages).high).toEqual(extremes(before.charts.get('offsite 1y')!.ages).high);
    expect(offsite.sizes).toContainEqual({ at: T0 + 200 * DAY + 13 * HOUR + 35 * MINUTE, value: GB });
    expect(extremes(offsite.ages).high.value).toBeGreaterThan(48 * HOUR - HOUR);
  });

  it('leaves the 7-day and 30-day charts exactly as they were', () => {
    for (const id of SOURCES) {
      for (const range of ['7d', '30d'] as const) expect(chart(history, id, range), `${id} ${range}`).toEqual(before.charts.get(`${id} ${range}`));
    }
    expect(chart(history, 'offsite', '30d').ages.length).toBeGreaterThan(900);
  });

  it('keeps the latest poll and the failures in a row, also of a source polled last 100 days ago', () => {
    for (const id of SOURCES) {
      expect(history.latestPoll(id), id).toEqual(before.latest.get(id));
      expect(history.consecutiveFailures(id), id).toBe(before.failures.get(id));
    }
    expect(before.failures.get('offsite')).toBe(3);
    expect(before.failures.get('retired')).toBe(40);
  });

  it('keeps every failed poll with its error, and backups and events', () => {
    const failedBefore = 365 * 288 / 50;
    const failed = history.polls('offsite', { since: 0 }).filter((p) => !p.ok);
    expect(failed.length).toBeGreaterThan(failedBefore);
    const afternoon = failed.filter((p) => p.at >= T0 + 150 * DAY && p.at < T0 + 151 * DAY);
    expect(afternoon.length).toBeGreaterThanOrEqual(52);
    expect(afternoon[0]).toEqual(failedPoll('offsite', afternoon[0]!.at));
    expect(history.backups('archive').map((b) => b.key)).toEqual(['/b/old.dump']);
    expect(history.events({ sourceId: 'offsite' })).toHaveLength(1);
  });

  it('does nothing when run again, and the next day reads only that day', async () => {
    const rows = pollCount(file);
    expect(await history.compactPolls({ now: NOW, keepRawMs: KEEP_RAW })).toEqual({ polls: 0, deleted: 0, chunks: 0 });
    expect(pollCount(file)).toBe(rows);

    const nextDay = await history.compactPolls({ now: NOW + DAY, keepRawMs: KEEP_RAW });
    // 'dumps' and 'offsite' (the retired and archived sources have nothing new): one day of each.
    expect(nextDay.polls).toBe(2 * 288);
    expect(nextDay.deleted).toBeGreaterThan(400);
    expect(pollCount(file, `at >= ${RAW_SINCE + DAY}`)).toBe(before.nextDayRawRows);
  });
});

describe('compaction and other readers', () => {
  /** Ten days of 5-minute polls of two sources in a fresh file. */
  function tenDays(file?: string) {
    const opened = openHistory(file);
    const entries: PollEntry[] = [];
    for (let i = 0, at = T0; at < T0 + 10 * DAY; i++, at += POLL_EVERY) {
      for (const id of ['a', 'b']) {
        const totalBytes = 1_000_000 + ((i * 31) % 17) * 1000;
        entries.push({
          poll: i % 23 === 5 ? failedPoll(id, at) : okPoll(id, at, { metrics: { kind: 'dump-dir', fileCount: 1, totalBytes, inProgress: 0 } }),
          backups: [],
        });
      }
    }
    opened.history.recordPolls(entries);
    return opened;
  }
  const remaining = (history: History) => ['a', 'b'].flatMap((id) => history.polls(id, { since: 0 }).map((p) => `${id} ${p.at}`));

  it('two processes compacting one file at once leave what one would', async () => {
    const alone = tenDays().history;
    const one = await alone.compactPolls({ now: T0 + 10 * DAY, keepRawMs: 2 * DAY });
    expect(one.polls).toBe(2 * 8 * 288);

    const { file } = tenDays();
    const app = openHistory(file).history;
    const cli = openHistory(file).history;
    const [fromApp, fromCli] = await Promise.all([
      app.compactPolls({ now: T0 + 10 * DAY, keepRawMs: 2 * DAY }),
      cli.compactPolls({ now: T0 + 10 * DAY, keepRawMs: 2 * DAY }),
    ]);
    expect(fromApp.polls + fromCli.polls).toBe(one.polls);
    expect(fromApp.chunks + fromCli.chunks).toBe(one.chunks);
    expect(fromApp.chunks).toBeGreaterThan(0);
    expect(fromCli.chunks).toBeGreaterThan(0);
    expect(remaining(app)).toEqual(remaining(alone));
    expect(remaining(alone).length).toBeLessThan(2 * 10 * 288 * 0.5);
  });

  it('stops between two transactions when asked to', async () => {
    const { history } = tenDays();
    const controller = new AbortController();
    const run = history.compactPolls({ now: T0 + 10 * DAY, keepRawMs: 2 * DAY, signal: controller.signal });
    controller.abort();
    const stopped = await run;
    expect(stopped.chunks).toBe(1);
    const rest = await history.compactPolls({ now: T0 + 10 * DAY, keepRawMs: 2 * DAY });
    expect(rest.chunks).toBeGreaterThan(0);
    expect(stopped.polls + rest.polls).toBe(2 * 8 * 288);
  });

  it('migrates a file written before compaction existed, then thins it', async () => {
    const file = join(tempDir(), 'history.sqlite');
    const old = new Database(file);
    for (const sql of MIGRATIONS.slice(0, 3)) old.exec(sql);
    old.pragma('user_version = 3');
    const insert = old.prepare(
      `INSERT INTO polls (source_id, at, duration_ms, ok, metrics, newest_backup_at, newest_backup_size, status, stored_bytes)
       VALUES ('dumps', ?, 40, 1, '{"kind":"dump-dir","fileCount":3,"totalBytes":3000000,"inProgress":0}', ?, 1000000, 'ok', 3000000)`,
    );
    old.transaction(() => {
      for (let at = T0; at < T0 + 40 * DAY; at += POLL_EVERY) insert.run(at, at - ((at - T0) % DAY));
    })();
    old.close();

    const { history } = openHistory(file);
    const agesBefore = history.polledAgeSeries('dumps', { from: 0, to: T0 + 40 * DAY, maxPoints: EVERY_POINT });
    const report = await history.compactPolls({ now: T0 + 40 * DAY, keepRawMs: 31 * DAY });
    expect(report.polls).toBe(9 * 288);
    // Age rises through each hour and the size never changes: the first and last poll of each hour stay.
    expect(report.deleted).toBe(9 * 24 * 10);
    const agesAfter = history.polledAgeSeries('dumps', { from: 0, to: T0 + 40 * DAY, maxPoints: EVERY_POINT });
    expect(agesAfter.length).toBe(agesBefore.length - 9 * 24 * 10);
    for (const [hour, points] of byHour(agesBefore)) expect(extremes(byHour(agesAfter).get(hour)!)).toEqual(extremes(points));

    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT source_id, compacted_until FROM poll_compaction').all()).toEqual([{ source_id: 'dumps', compacted_until: T0 + 9 * DAY }]);
    db.close();
  });
});
