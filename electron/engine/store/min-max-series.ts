// One per-poll value of one source over time, reduced in SQLite to each time bucket's lowest and highest
// point (the same points downsampleMinMax picks): the stored-size chart, and the age each poll saw
// (History.polledAgeSeries; the age chart itself is computed from backups, backup-age.ts).
// Their columns are in the covering index polls_by_source_time, so no query here reads the wide rows.
import type { Database } from 'better-sqlite3';
import type { SeriesPoint } from '../../../shared/model';
import { bucketEdges, minMaxBucketCount } from './downsample';

/** [at, value] as SQLite returns it for one side of a bucket; nulls when the bucket is empty. */
type RawPoint = [number | null, number | null];

export class MinMaxSeriesQuery {
  private readonly selectPoints;
  private readonly selectLastAt;
  private readonly selectBucketMin;
  private readonly selectBucketMax;

  /**
   * `value` is the SQL expression plotted and `present` the condition a poll must meet to have one; both are
   * fixed strings from the store's own code, never from input.
   */
  constructor(db: Database, value: string, present: string) {
    this.selectPoints = db
      .prepare<[string, number, number, number], [number, number]>(
        `SELECT at, ${value} FROM polls WHERE source_id = ? AND at BETWEEN ? AND ? AND ${present} ORDER BY at LIMIT ?`,
      )
      .raw();
    this.selectLastAt = db
      .prepare<[string, number, number], number>(
        `SELECT at FROM polls WHERE source_id = ? AND at BETWEEN ? AND ? AND ${present} ORDER BY at DESC LIMIT 1`,
      )
      .pluck();
    // With a single min() or max(), SQLite takes the bare column `at` from the row holding it (the first
    // one, in index order, on a tie).
    this.selectBucketMin = db
      .prepare<[string, number, number], RawPoint>(
        `SELECT at, min(${value}) FROM polls WHERE source_id = ? AND at >= ? AND at < ? AND ${present}`,
      )
      .raw();
    this.selectBucketMax = db
      .prepare<[string, number, number], RawPoint>(
        `SELECT at, max(${value}) FROM polls WHERE source_id = ? AND at >= ? AND at < ? AND ${present}`,
      )
      .raw();
  }

  series(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    const { from, to, maxPoints } = opts;
    if (maxPoints < 1 || to < from) return [];
    const head = this.selectPoints.all(sourceId, from, to, maxPoints + 1);
    if (head.length <= maxPoints) return head.map(([at, value]) => ({ at, value }));

    // Too many polls: the lowest and highest value of each time bucket, computed by SQLite over the
    // covering index, one small range query per bucket (a GROUP BY would sort every poll first).
    const first = (head[0] as [number, number])[0];
    const last = this.selectLastAt.get(sourceId, from, to) as number;
    if (maxPoints === 1) return [this.bucketPoints(sourceId, first, last + 1, true)[0] as SeriesPoint];
    const edges = bucketEdges(first, last, minMaxBucketCount(maxPoints));
    const series: SeriesPoint[] = [];
    for (let i = 0; i + 1 < edges.length; i++) {
      series.push(...this.bucketPoints(sourceId, edges[i] as number, edges[i + 1] as number, false));
    }
    return series;
  }

  /** The bucket [start, end)'s lowest and highest value as real points, in time order; empty if it has none. */
  private bucketPoints(sourceId: string, start: number, end: number, maxOnly: boolean): SeriesPoint[] {
    const [maxAt, maxValue] = this.selectBucketMax.get(sourceId, start, end) as RawPoint;
    if (maxAt === null || maxValue === null) return [];
    const high = { at: maxAt, value: maxValue };
    if (maxOnly) return [high];
    const [minAt, minValue] = this.selectBucketMin.get(sourceId, start, end) as RawPoint;
    if (minAt === null || minValue === null || minAt === maxAt) return [high];
    const low = { at: minAt, value: minValue };
    return minAt < maxAt ? [low, high] : [high, low];
  }
}
