// Thinning old polls. A poll every 5 minutes is ~105k rows per source-year, yet what a chart of a year
// shows is each time bucket's lowest and highest backup age and stored size (min-max-series.ts), and a
// 1-year bucket is ~17.5 hours (500 buckets of 2 points). So polls older than the raw window keep, per
// source and clock hour, only:
//  - the polls holding the hour's lowest and highest backup age and stored size (the earliest on a tie,
//    as the chart's min()/max() pick): any stretch of whole hours keeps its extremes at the same points;
//  - every failed poll, with its error: the evidence of when a source could not be observed;
//  - the successful poll just before each failure, so consecutiveFailures still stops where it did;
//  - one poll for an hour that would otherwise keep none, so "was it observed then" stays answerable.
// Backups, drills and status events are never deleted. The newest hour a source was polled in is never
// touched, so latestPoll stays the same even for a source that stopped being polled long ago.
import type { Database, Statement } from 'better-sqlite3';

export const HOUR_MS = 3_600_000;
/**
 * One transaction thins every source's polls in at most this many hours: ~7,000 polls at 100 sources polled
 * every 5 minutes, tens of milliseconds, so a poll write never waits long. Time-major on purpose: polls are
 * stored in the order they arrive, every source's side by side, so one table page holds the same hours of
 * all sources; thinning a source at a time would rewrite each page once per source.
 */
const CHUNK_MS = 6 * HOUR_MS;

/** What compaction reads of a poll (`ok` is not in the covering index: the rows are read, most to be deleted). */
export interface CompactionPoll {
  id: number;
  at: number;
  ok: 0 | 1;
  newestBackupAt: number | null;
  storedBytes: number | null;
}

/**
 * The ids of `polls` (one source, in index order: at, then the indexed values, then id) to keep.
 * `nextFailed`: whether the source's first poll after these failed.
 */
export function pollsToKeep(polls: readonly CompactionPoll[], nextFailed: boolean): Set<number> {
  const keep = new Set<number>();
  let start = 0;
  while (start < polls.length) {
    const hour = hourOf((polls[start] as CompactionPoll).at);
    let end = start;
    while (end < polls.length && hourOf((polls[end] as CompactionPoll).at) === hour) end++;
    keepHour(polls, start, end, end < polls.length ? (polls[end] as CompactionPoll).ok === 0 : nextFailed, keep);
    start = end;
  }
  return keep;
}

function keepHour(polls: readonly CompactionPoll[], start: number, end: number, nextFailed: boolean, keep: Set<number>): void {
  let minAge: CompactionPoll | null = null;
  let maxAge: CompactionPoll | null = null;
  let minStored: CompactionPoll | null = null;
  let maxStored: CompactionPoll | null = null;
  const kept = keep.size;
  for (let i = start; i < end; i++) {
    const poll = polls[i] as CompactionPoll;
    const followedByFailure = i + 1 < end ? (polls[i + 1] as CompactionPoll).ok === 0 : nextFailed;
    if (poll.ok === 0 || followedByFailure) keep.add(poll.id);
    if (poll.newestBackupAt !== null) {
      const age = poll.at - poll.newestBackupAt;
      // Strict comparisons: the earliest poll holding the value wins, as in the chart's SQL.
      if (minAge === null || age < minAge.at - (minAge.newestBackupAt as number)) minAge = poll;
      if (maxAge === null || age > maxAge.at - (maxAge.newestBackupAt as number)) maxAge = poll;
    }
    if (poll.storedBytes !== null) {
      if (minStored === null || poll.storedBytes < (minStored.storedBytes as number)) minStored = poll;
      if (maxStored === null || poll.storedBytes > (maxStored.storedBytes as number)) maxStored = poll;
    }
  }
  for (const extreme of [minAge, maxAge, minStored, maxStored]) if (extreme !== null) keep.add(extreme.id);
  if (keep.size === kept) keep.add((polls[end - 1] as CompactionPoll).id);
}

export function hourOf(at: number): number {
  return at - (((at % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

/** One transaction's work: the hours [from, to) thinned for the sources behind there. */
export interface CompactedChunk {
  from: number;
  to: number;
  sources: number;
  /** Polls read in [from, to). */
  polls: number;
  deleted: number;
}

export interface CompactionReport {
  polls: number;
  deleted: number;
  chunks: number;
}

/** The hours [from, until) of a source that are still to be thinned. */
interface Pending {
  sourceId: string;
  from: number;
  until: number;
}

type RawCompactionPoll = [number, number, 0 | 1, number | null, number | null];

export class PollCompactor {
  private readonly selectNextSource: Statement<[string], string | null>;
  private readonly selectLatestAt: Statement<[string], number | null>;
  private readonly selectFirstAtFrom: Statement<[string, number], number | null>;
  private readonly selectCompactedUntil: Statement<[string], number>;
  private readonly selectChunk: Statement<[string, number, number], RawCompactionPoll>;
  private readonly selectNextOk: Statement<[string, number], 0 | 1>;
  private readonly deletePoll: Statement<[number]>;
  private readonly upsertCompactedUntil: Statement<[string, number]>;
  private readonly compactChunk;

  constructor(db: Database) {
    // Each of these is a seek in polls_by_source_time; a source's hours are read in that index's order.
    this.selectNextSource = db.prepare<[string], string | null>('SELECT min(source_id) FROM polls WHERE source_id > ?').pluck();
    this.selectLatestAt = db.prepare<[string], number | null>('SELECT max(at) FROM polls WHERE source_id = ?').pluck();
    this.selectFirstAtFrom = db.prepare<[string, number], number | null>('SELECT min(at) FROM polls WHERE source_id = ? AND at >= ?').pluck();
    this.selectCompactedUntil = db.prepare<[string], number>('SELECT compacted_until FROM poll_compaction WHERE source_id = ?').pluck();
    this.selectChunk = db
      .prepare<[string, number, number], RawCompactionPoll>(
        `SELECT id, at, ok, newest_backup_at, stored_bytes FROM polls WHERE source_id = ? AND at >= ? AND at < ?
         ORDER BY at, newest_backup_at, stored_bytes, id`,
      )
      .raw();
    this.selectNextOk = db.prepare<[string, number], 0 | 1>('SELECT ok FROM polls WHERE source_id = ? AND at >= ? ORDER BY at LIMIT 1').pluck();
    this.deletePoll = db.prepare<[number]>('DELETE FROM polls WHERE id = ?');
    this.upsertCompactedUntil = db.prepare<[string, number]>(
      `INSERT INTO poll_compaction (source_id, compacted_until) VALUES (?, ?)
       ON CONFLICT (source_id) DO UPDATE SET compacted_until = max(compacted_until, excluded.compacted_until)`,
    );
    this.compactChunk = db.transaction((rawSince: number) => this.compactNextChunk(rawSince));
  }

  /**
   * Thins the next few hours of every source's polls older than `rawSince`, in one IMMEDIATE transaction;
   * null when there is nothing left to do. Where each source stands is read inside the write lock, so two
   * processes compacting the same file never thin the same hours twice.
   */
  compactNext(rawSince: number): CompactedChunk | null {
    return this.compactChunk.immediate(rawSince);
  }

  private compactNextChunk(rawSince: number): CompactedChunk | null {
    const pending = this.pending(rawSince);
    if (pending.length === 0) return null;
    const from = Math.min(...pending.map((source) => source.from));
    const to = from + CHUNK_MS;
    const chunk: CompactedChunk = { from, to, sources: 0, polls: 0, deleted: 0 };
    for (const source of pending) {
      if (source.from >= to) continue;
      const until = Math.min(to, source.until);
      const { polls, deleted } = this.compactSource(source.sourceId, source.from, until);
      this.upsertCompactedUntil.run(source.sourceId, until);
      chunk.sources++;
      chunk.polls += polls;
      chunk.deleted += deleted;
    }
    return chunk;
  }

  /** Every source with polls to thin, and from where to where. */
  private pending(rawSince: number): Pending[] {
    const pending: Pending[] = [];
    // A seek per source, not a scan of the polls.
    for (let sourceId = this.selectNextSource.get(''); typeof sourceId === 'string'; sourceId = this.selectNextSource.get(sourceId)) {
      // Only whole hours before both the raw window and the hour of the source's newest poll.
      const until = hourOf(Math.min(rawSince, this.selectLatestAt.get(sourceId) as number));
      const compactedUntil = this.selectCompactedUntil.get(sourceId);
      if (compactedUntil !== undefined && compactedUntil >= until) continue;
      // From the first poll not thinned yet: stretches without polls (the app was not running) cost nothing.
      const firstAt = this.selectFirstAtFrom.get(sourceId, compactedUntil ?? Number.MIN_SAFE_INTEGER);
      if (firstAt === null || firstAt === undefined) continue;
      const from = hourOf(firstAt);
      if (from < until) pending.push({ sourceId, from, until });
    }
    return pending;
  }

  private compactSource(sourceId: string, from: number, to: number): { polls: number; deleted: number } {
    const polls = this.selectChunk.all(sourceId, from, to).map(
      ([id, at, ok, newestBackupAt, storedBytes]): CompactionPoll => ({ id, at, ok, newestBackupAt, storedBytes }),
    );
    // A poll exists at or after `to`: the source's newest is in a later hour.
    const nextFailed = this.selectNextOk.get(sourceId, to) === 0;
    const keep = pollsToKeep(polls, nextFailed);
    let deleted = 0;
    for (const poll of polls) if (!keep.has(poll.id)) deleted += this.deletePoll.run(poll.id).changes;
    return { polls: polls.length, deleted };
  }
}
