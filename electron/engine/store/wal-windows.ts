// The recoverable window of a WAL-keeping source at each poll, for the source page's chart: taken from the poll's
// metrics (metrics.walArchive, a WalArchiveSummary) when it is recorded, into the columns of 008-wal-windows.ts,
// and read back reduced to one point per time bucket, the worst of it, from the partial index alone.
import type { Database, Statement } from 'better-sqlite3';
import type { WalWindowPoint } from '../../../shared/api';
import type { SourceMetrics, WalArchiveSummary } from '../../../shared/model';

/** The wal_* columns of a poll, in that order: wal_archive, wal_from, wal_to, wal_missing, wal_stops_at. */
export type WalWindowColumns = [archive: 0 | 1 | null, from: number | null, to: number | null, missing: number | null, stopsAt: number | null];

const SAYS_NOTHING: WalWindowColumns = [null, null, null, null, null];
const NOT_JUDGED: WalWindowColumns = [0, null, null, null, null];

/**
 * What a poll's metrics say of the WAL archive: nothing (no walArchive: other kinds, failed polls, polls from
 * before the archive was listed), that it could not be judged (walArchive null), or the recoverable window.
 * 008-wal-windows.ts fills the polls recorded before it with the same rules, in SQL.
 */
export function walWindowColumns(metrics: SourceMetrics | null): WalWindowColumns {
  if (metrics === null || !('walArchive' in metrics) || metrics.walArchive === undefined) return SAYS_NOTHING;
  if (metrics.walArchive === null) return NOT_JUDGED;
  const { from, to, missing, stopsAt } = windowOf(metrics.walArchive);
  return [1, from, to, missing, stopsAt];
}

/** From the oldest start of the chain's windows to the newest archived segment; where recovery stops when segments are missing. */
function windowOf(summary: WalArchiveSummary): Omit<WalWindowPoint, 'at'> {
  const starts = summary.windows.map((w) => w.fromArchivedAt).filter((t): t is number => t !== null);
  const ends = summary.windows.map((w) => w.toArchivedAt).filter((t): t is number => t !== null);
  const firstGap = summary.gaps[0];
  return {
    from: starts.length > 0 ? Math.min(...starts) : null,
    to: summary.newestArchivedAt ?? (ends.length > 0 ? Math.max(...ends) : null),
    missing: summary.missingSegments,
    stopsAt: summary.missingSegments > 0 ? (firstGap?.afterArchivedAt ?? null) : null,
  };
}

type RawWindow = [at: number, from: number | null, to: number | null, missing: number, stopsAt: number | null];

export class WalWindowQuery {
  private readonly selectWorst: Statement<[string, number, number], RawWindow>;

  constructor(db: Database) {
    // The bucket's poll with the most segments missing, the latest of them on a tie (the last one judged).
    this.selectWorst = db
      .prepare<[string, number, number], RawWindow>(
        `SELECT at, wal_from, wal_to, wal_missing, wal_stops_at FROM polls INDEXED BY polls_wal_windows
         WHERE source_id = ? AND at >= ? AND at < ? AND wal_archive = 1 ORDER BY wal_missing DESC, at DESC, id DESC LIMIT 1`,
      )
      .raw();
  }

  /**
   * The window at the polls of [from, to] that judged the archive, oldest first: [from, to] split into `buckets`
   * equal time buckets, each giving its poll with the most segments missing (the latest on a tie), so a gap is
   * never thinned away. One range seek in the partial index per bucket; no row is read.
   */
  series(sourceId: string, opts: { from: number; to: number; buckets: number }): WalWindowPoint[] {
    const points: WalWindowPoint[] = [];
    const edges = timeBucketEdges(opts.from, opts.to, opts.buckets);
    for (let i = 0; i + 1 < edges.length; i++) {
      const row = this.selectWorst.get(sourceId, edges[i] as number, edges[i + 1] as number);
      if (row !== undefined) points.push({ at: row[0], from: row[1], to: row[2], missing: row[3], stopsAt: row[4] });
    }
    return points;
  }
}

/**
 * The `buckets` equal buckets of the time range [from, to] as integer edges (bucket i holds the integer times t with
 * edges[i] <= t < edges[i + 1]), splitting exactly where min(buckets - 1, floor((t - from) / width)) steps, with width
 * max(1, (to - from) / buckets): the source page has always bucketed its WAL windows so, and keeps its points.
 * Empty buckets after the last time are left out.
 */
export function timeBucketEdges(from: number, to: number, buckets: number): number[] {
  if (to < from || buckets < 1) return [];
  const width = Math.max(1, (to - from) / buckets);
  const bucketOf = (t: number) => Math.min(buckets - 1, Math.floor((t - from) / width));
  const first = Math.ceil(from);
  const end = Math.floor(to) + 1;
  const edges = [first];
  for (let i = 1; i < buckets; i++) {
    // Floating point may put the step a unit either side of i * width: find the first integer time in bucket i.
    let start = Math.max(first, Math.ceil(from + i * width));
    while (start - 1 >= first && bucketOf(start - 1) >= i) start--;
    while (start < end && bucketOf(start) < i) start++;
    if (start >= end) break;
    edges.push(start);
  }
  edges.push(end);
  return edges;
}
