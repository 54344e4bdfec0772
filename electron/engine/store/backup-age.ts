// The backup-age chart, from the backups' finish times rather than from polls: the age at an instant t is t minus
// the newest readable backup finished at or before t. Between two backups it grows linearly, at each finish it drops
// to zero: a sawtooth, so its corners say everything and the history starts with the backups, not with the first
// poll (a new installation watching 30 days of dumps shows 30 days at once). Backups are stored once and never
// deleted, so one that retention removed since still counts for the instants after it finished.
//
// Polls add what only they know: where the chart ends. Like the backup-age rule (health/age.ts), it is measured up
// to the newest poll that saw a readable backup, never past it to `to`: after that poll nothing says whether a
// newer backup came, and a probe failing since then is no age at all (the events and findings say it failed).
// What lies before that poll is known from the backups it and the earlier polls saw, polled then or not.
//
// Why JS over a compact query rather than SQL: the corners are two per backup and need each finish beside the one
// before it, and a source has thousands of backups where it has a hundred thousand polls a year. One range read of
// finish times from the partial index backups_readable_finished (009-backup-age.ts) and a pass in JS take ~2 ms for
// 10,000 backups (`npm run bench -- age-from-backups`); thinning reuses downsampleMinMax's buckets (MinMaxBuckets),
// so every bucket keeps its highest peak.
import type { Database } from 'better-sqlite3';
import type { SeriesPoint } from '../../../shared/model';
import { MinMaxBuckets } from './downsample';

/** Readable as the backup-age rule counts it (health/size.ts isReadable); the partial index's WHERE, word for word. */
const READABLE = 'readable = 1 AND size_bytes > 0';

export class BackupAgeQuery {
  private readonly selectFinishes;
  private readonly selectNewestFinishBefore;
  private readonly selectLastObserved;

  constructor(db: Database) {
    this.selectFinishes = db
      .prepare<[string, number, number], number>(
        `SELECT finished_at FROM backups WHERE source_id = ? AND ${READABLE} AND finished_at > ? AND finished_at <= ? ORDER BY finished_at`,
      )
      .pluck();
    this.selectNewestFinishBefore = db
      .prepare<[string, number], number>(
        `SELECT finished_at FROM backups WHERE source_id = ? AND ${READABLE} AND finished_at <= ? ORDER BY finished_at DESC LIMIT 1`,
      )
      .pluck();
    // A backward seek in the covering index polls_by_source_time, skipping the polls that saw no readable backup
    // (only as far back as `from`).
    this.selectLastObserved = db
      .prepare<[string, number], number>(
        'SELECT at FROM polls WHERE source_id = ? AND at >= ? AND newest_backup_at IS NOT NULL ORDER BY at DESC LIMIT 1',
      )
      .pluck();
  }

  /**
   * The age over [from, to], ending at the newest poll that saw a readable backup (if before `to`), at most maxPoints
   * corner points in time order: the value at the start, the peak just before each backup finished (1 ms before)
   * and its drop to zero, and the value at the end. Empty when no poll saw a readable backup by then.
   */
  series(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.seriesOf([sourceId], opts);
  }

  /**
   * The same for what several sources hold together (a database's routines): the age of the newest readable backup
   * of any of them, ending at the newest poll of any that saw one.
   */
  seriesOf(sourceIds: readonly string[], opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    const { from, maxPoints } = opts;
    if (maxPoints < 1 || opts.to < from) return [];
    // No readable backup by `to` (a postgres source has none): no age, and no need to look at the polls.
    const held = sourceIds.filter((id) => this.selectNewestFinishBefore.get(id, opts.to) !== undefined);
    if (held.length === 0) return [];
    // A poll after `to` speaks for the whole range: the backups it saw finished when they say, whether or not
    // anything was polled in between (the app was not running that week).
    const observed = held.flatMap((id) => this.selectLastObserved.get(id, from) ?? []);
    if (observed.length === 0) return [];
    const end = Math.min(opts.to, Math.max(...observed));
    const befores = held.flatMap((id) => this.selectNewestFinishBefore.get(id, from) ?? []);
    const before = befores.length > 0 ? Math.max(...befores) : null;
    const finishes = held.length === 1 ? this.selectFinishes.all(held[0]!, from, end) : held.flatMap((id) => this.selectFinishes.all(id, from, end)).sort((a, b) => a - b);
    return sawtoothSeries(finishes, before, from, end, maxPoints);
  }
}

/**
 * Calls `visit` with each corner of the age over [from, end], in strictly increasing time: `finishes` are the
 * readable backups' finish times in (from, end], ascending (equal ones count once); `before` the newest one at or
 * before `from`, or null. No point before the first backup: there is no age then. The last corner is at `end`.
 */
function forEachCorner(finishes: readonly number[], before: number | null, from: number, end: number, visit: (at: number, value: number) => void): void {
  let newest = before;
  let lastAt = Number.NEGATIVE_INFINITY;
  const emit = (at: number, value: number): void => {
    visit(at, value);
    lastAt = at;
  };
  if (newest !== null) emit(from, from - newest);
  for (const finished of finishes) {
    if (newest !== null && finished <= newest) continue;
    if (newest !== null && finished - 1 > lastAt) emit(finished - 1, finished - 1 - newest);
    emit(finished, 0);
    newest = finished;
  }
  if (newest !== null && end > lastAt) emit(end, end - newest);
}

/** Every corner of the age over [from, end] (see forEachCorner), as points. */
export function sawtoothCorners(finishes: readonly number[], before: number | null, from: number, end: number): SeriesPoint[] {
  const corners: SeriesPoint[] = [];
  forEachCorner(finishes, before, from, end, (at, value) => corners.push({ at, value }));
  return corners;
}

/**
 * At most maxPoints corners of the age over [from, end]: all when they fit, else the first and the last (where the
 * line starts, and how old the newest backup is at the end) and each time bucket's lowest and highest in between
 * (MinMaxBuckets, as downsampleMinMax picks them), so no bucket loses its worst age; with maxPoints 1, the highest.
 * The corners are computed as they are reduced: 10,000 backups never become 20,000 objects.
 */
export function sawtoothSeries(finishes: readonly number[], before: number | null, from: number, end: number, maxPoints: number): SeriesPoint[] {
  const corners = (visit: (at: number, value: number) => void): void => forEachCorner(finishes, before, from, end, visit);
  // Ages are never negative, so any corner beats -1.
  const highest = { at: 0, value: -1 };
  let count = 0;
  let first = 0;
  corners((at, value) => {
    if (count++ === 0) first = at;
    if (value > highest.value) Object.assign(highest, { at, value });
  });
  if (count <= maxPoints) return sawtoothCorners(finishes, before, from, end);
  if (maxPoints === 1) return [highest];
  if (maxPoints === 2) {
    const buckets = new MinMaxBuckets(first, end, 2);
    corners((at, value) => buckets.add(at, value));
    return buckets.points();
  }
  // Between the two ends, maxPoints - 2 points: each bucket's extremes, or the highest alone if one is all there is.
  const ends: SeriesPoint[] = [];
  const between = new MinMaxBuckets(first, end, maxPoints - 2);
  const innerHighest = { at: 0, value: -1 };
  corners((at, value) => {
    if (at === first || at === end) ends.push({ at, value });
    else if (maxPoints > 3) between.add(at, value);
    else if (value > innerHighest.value) Object.assign(innerHighest, { at, value });
  });
  return [ends[0] as SeriesPoint, ...(maxPoints > 3 ? between.points() : [innerHighest]), ends[1] as SeriesPoint];
}
