// The backup-age chart, from the backups' finish times rather than from polls: the age at an instant t is t minus
// the newest readable backup finished at or before t. Between two backups it grows linearly, at each finish it drops
// to zero: a sawtooth, so its corners say everything and the history starts with the backups, not with the first
// poll (a new installation watching 30 days of dumps shows 30 days at once). Backups are stored once, and one deleted
// since counts only while it was there: until the successful poll that no longer listed it (gone_at, 012-backup-gone.ts,
// issue 17). Retention deleting old backups changes nothing, the newer ones being there; the newest deleted makes the
// age jump, from that poll on, to the newest one still there, so the chart shows what exists, not what once did.
//
// Polls add what only they know: where the chart ends. Like the backup-age rule (health/age.ts), it is measured up
// to the newest poll that saw a readable backup, never past it to `to`: after that poll nothing says whether a
// newer backup came, and a probe failing since then is no age at all (the events and findings say it failed).
// What lies before that poll is known from the backups it and the earlier polls saw, polled then or not.
//
// Why JS over a compact query rather than SQL: the corners are two per backup and need each finish beside the one
// before it, and a source has thousands of backups where it has a hundred thousand polls a year. One range read of
// finish and gone times from the partial index backups_readable_finished (009, rebuilt by 012) and a pass in JS take
// ~2-3 ms for 10,000 backups (`npm run bench -- age-from-backups`); thinning reuses downsampleMinMax's buckets (MinMaxBuckets),
// so every bucket keeps its highest peak.
import type { Database } from 'better-sqlite3';
import type { SeriesPoint } from '../../../shared/model';
import { MinMaxBuckets } from './downsample';

/** Readable as the backup-age rule counts it (health/size.ts isReadable); the partial index's WHERE, word for word. */
export const READABLE = 'readable = 1 AND size_bytes > 0';

export class BackupAgeQuery {
  private readonly selectFinishes;
  private readonly selectGone;
  private readonly selectLivesBefore;
  private readonly selectNewestFinishBefore;
  private readonly selectLastObserved;

  constructor(db: Database) {
    // From backups_readable_finished alone (rebuilt with gone_at by 012-backup-gone.ts).
    // Finish times alone, as plain numbers (the read is most of the series' cost), negated for the backups found
    // gone, whose gone times are read apart, only when there are any (finish times are after 1970).
    this.selectFinishes = db
      .prepare<[string, number, number], number>(
        `SELECT iif(gone_at IS NULL, finished_at, -finished_at) FROM backups WHERE source_id = ? AND ${READABLE} AND finished_at > ? AND finished_at <= ? ORDER BY finished_at`,
      )
      .pluck();
    this.selectGone = db
      .prepare<[string, number, number], [number, number]>(
        `SELECT finished_at, gone_at FROM backups WHERE source_id = ? AND ${READABLE} AND finished_at > ? AND finished_at <= ? AND gone_at IS NOT NULL ORDER BY finished_at`,
      )
      .raw();
    this.selectLivesBefore = db
      .prepare<[string, number, number], [number, number | null]>(
        `SELECT finished_at, gone_at FROM backups WHERE source_id = ? AND ${READABLE} AND finished_at <= ? AND (gone_at IS NULL OR gone_at > ?) ORDER BY finished_at DESC`,
      )
      .raw();
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
   * and its drop to zero, the jump where the newest backup was found gone, and the value at the end. Empty when no
   * poll saw a readable backup by then.
   */
  series(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    const { from, maxPoints } = opts;
    if (maxPoints < 1 || opts.to < from) return [];
    // No readable backup by `to` (a postgres source has none): no age, and no need to look at the polls.
    if (this.selectNewestFinishBefore.get(sourceId, opts.to) === undefined) return [];
    // A poll after `to` speaks for the whole range: the backups it saw finished when they say, whether or not
    // anything was polled in between (the app was not running that week).
    const observed = this.selectLastObserved.get(sourceId, from);
    if (observed === undefined) return [];
    const end = Math.min(opts.to, observed);
    const { finished, gone } = this.lives(sourceId, from, end);
    return lifetimeSeries(finished, gone, from, end, maxPoints);
  }

  /** One source's backups that may count in [from, end], as lifetimeSeries takes them (gone null: none found gone). */
  private lives(sourceId: string, from: number, end: number): { finished: number[]; gone: (number | null)[] | null } {
    const before = this.livesBefore(sourceId, from, end);
    const finished = before.map((l) => l[0]);
    const flagged = this.selectFinishes.all(sourceId, from, end);
    let anyGone = before.some((l) => l[1] !== null);
    for (const f of flagged) {
      if (f < 0) anyGone = true;
      finished.push(Math.abs(f));
    }
    if (!anyGone) return { finished, gone: null };
    const gone: (number | null)[] = before.map((l) => l[1]);
    for (let i = before.length; i < finished.length; i++) gone.push(null);
    // Both reads walk the index in the same order, so the gone ones come in the order of their finish times.
    let i = before.length;
    for (const [f, g] of this.selectGone.all(sourceId, from, end)) {
      while (i < finished.length && (finished[i] as number) < f) i++;
      while (i < finished.length && gone[i] !== null) i++;
      gone[i++] = g;
    }
    return { finished, gone };
  }

  /**
   * The backups finished by `from` that may be the newest one there at some instant of [from, end], oldest first:
   * walking back from `from`, those still there at `from` that outlive every newer one, up to the first one still
   * there at `end` (usually the first: the walk reads one entry unless backups were deleted in the range).
   */
  private livesBefore(sourceId: string, from: number, end: number): [number, number | null][] {
    return walkLivesBefore(this.selectLivesBefore.iterate(sourceId, from, from), end);
  }
}

/**
 * Calls `visit` with each corner of the age over [from, end], in strictly increasing time. Backup i was there from
 * finished[i] (ascending; those at or before `from` are there at `from` unless gone by then) until gone[i], when a
 * poll found it gone (null: still there; gone at or before it finished: never counted). The age at t is t minus the
 * newest finish of the backups there at t; equal ones count once. No point while no backup is there: there is no age
 * then. Where the newest is found gone the age jumps up to the next newest's (1 ms before, the age it replaces).
 * The last corner is at `end`.
 */
function forEachCorner(finished: readonly number[], gone: readonly (number | null)[] | null, from: number, end: number, visit: (at: number, value: number) => void): void {
  const goneAt = (i: number): number => gone?.[i] ?? Number.POSITIVE_INFINITY;
  // The backups there, newest on top; the gone ones leave when they reach the top.
  const there: number[] = [];
  const left = new Uint8Array(gone === null ? 0 : finished.length);
  const newestThere = (): number | null => {
    while (there.length > 0 && left[there[there.length - 1] as number] === 1) there.pop();
    return there.length > 0 ? (finished[there[there.length - 1] as number] as number) : null;
  };
  // The instants in (from, end] a backup was found gone, in order.
  const departures: number[] = [];
  if (gone !== null) {
    for (let i = 0; i < finished.length; i++) {
      const g = gone[i];
      if (g !== null && g !== undefined && g > from && g <= end && g > (finished[i] as number)) departures.push(i);
    }
    departures.sort((a, b) => goneAt(a) - goneAt(b));
  }
  let lastAt = Number.NEGATIVE_INFINITY;
  const emit = (at: number, value: number): void => {
    visit(at, value);
    lastAt = at;
  };
  let i = 0;
  for (; i < finished.length && (finished[i] as number) <= from; i++) if (goneAt(i) > from) there.push(i);
  let newest = newestThere();
  if (newest !== null) emit(from, from - newest);
  let d = 0;
  for (;;) {
    const at = Math.min(i < finished.length ? (finished[i] as number) : Number.POSITIVE_INFINITY, d < departures.length ? goneAt(departures[d] as number) : Number.POSITIVE_INFINITY);
    if (at > end) break;
    for (; i < finished.length && finished[i] === at; i++) if (goneAt(i) > at) there.push(i);
    for (; d < departures.length && goneAt(departures[d] as number) === at; d++) left[departures[d] as number] = 1;
    const next = newestThere();
    if (next === newest) continue;
    if (newest !== null && at - 1 > lastAt) emit(at - 1, at - 1 - newest);
    if (next !== null) emit(at, at - next);
    newest = next;
  }
  if (newest !== null && end > lastAt) emit(end, end - newest);
}

/** The finish times as forEachCorner takes them: `before` (the newest one at or before `from`) first. */
function withBefore(finishes: readonly number[], before: number | null): readonly number[] {
  return before === null ? finishes : [before, ...finishes];
}

/** Every corner of the age over [from, end] (see forEachCorner), as points. */
export function sawtoothCorners(finishes: readonly number[], before: number | null, from: number, end: number): SeriesPoint[] {
  return lifetimeCorners(withBefore(finishes, before), null, from, end);
}

/** Every corner of the age over [from, end] of backups there from finished[i] until gone[i] (see forEachCorner). */
export function lifetimeCorners(finished: readonly number[], gone: readonly (number | null)[] | null, from: number, end: number): SeriesPoint[] {
  const corners: SeriesPoint[] = [];
  forEachCorner(finished, gone, from, end, (at, value) => corners.push({ at, value }));
  return corners;
}

/**
 * At most maxPoints corners of the age over [from, end]: all when they fit, else the first and the last (where the
 * line starts, and how old the newest backup is at the end) and each time bucket's lowest and highest in between
 * (MinMaxBuckets, as downsampleMinMax picks them), so no bucket loses its worst age; with maxPoints 1, the highest.
 * The corners are computed as they are reduced: 10,000 backups never become 20,000 objects.
 */
export function sawtoothSeries(finishes: readonly number[], before: number | null, from: number, end: number, maxPoints: number): SeriesPoint[] {
  return lifetimeSeries(withBefore(finishes, before), null, from, end, maxPoints);
}

/** sawtoothSeries of backups there from finished[i] until gone[i] (see forEachCorner). */
export function lifetimeSeries(finished: readonly number[], gone: readonly (number | null)[] | null, from: number, end: number, maxPoints: number): SeriesPoint[] {
  const corners = (visit: (at: number, value: number) => void): void => forEachCorner(finished, gone, from, end, visit);
  // Ages are never negative, so any corner beats -1.
  const highest = { at: 0, value: -1 };
  let count = 0;
  let first = 0;
  // The last corner is at `end` unless every backup was found gone by then: the line stops where none was left.
  let last = 0;
  corners((at, value) => {
    if (count++ === 0) first = at;
    last = at;
    if (value > highest.value) Object.assign(highest, { at, value });
  });
  if (count <= maxPoints) return lifetimeCorners(finished, gone, from, end);
  if (maxPoints === 1) return [highest];
  if (maxPoints === 2) {
    const buckets = new MinMaxBuckets(first, last, 2);
    corners((at, value) => buckets.add(at, value));
    return buckets.points();
  }
  // Between the two ends, maxPoints - 2 points: each bucket's extremes, or the highest alone if one is all there is.
  const ends: SeriesPoint[] = [];
  const between = new MinMaxBuckets(first, last, maxPoints - 2);
  const innerHighest = { at: 0, value: -1 };
  corners((at, value) => {
    if (at === first || at === last) ends.push({ at, value });
    else if (maxPoints > 3) between.add(at, value);
    else if (value > innerHighest.value) Object.assign(innerHighest, { at, value });
  });
  return [ends[0] as SeriesPoint, ...(maxPoints > 3 ? between.points() : [innerHighest]), ends[1] as SeriesPoint];
}

/**
 * From the backups finished by `from` and still there at `from`, newest first (`rows`: [finished, gone]), those that
 * may be the newest one there at some instant of [from, end], oldest first: each that outlives every newer one, up
 * to the first still there at `end`, where the walk stops (usually at the first row).
 */
export function walkLivesBefore(rows: Iterable<[number, number | null]>, end: number): [number, number | null][] {
  const lives: [number, number | null][] = [];
  let outlived = Number.NEGATIVE_INFINITY;
  for (const [finished, gone] of rows) {
    if (gone === null || gone > end) {
      lives.push([finished, gone]);
      break;
    }
    if (gone > outlived) {
      lives.push([finished, gone]);
      outlived = gone;
    }
  }
  return lives.reverse();
}
