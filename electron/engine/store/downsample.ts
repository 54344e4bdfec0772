// Reducing a series for a chart. A backup-age series is a sawtooth whose peaks are the news (the
// night the dump did not run), so each time bucket keeps its lowest and its highest real point:
// averaging or LTTB could smooth a one-poll peak away.
import type { SeriesPoint } from '../../../shared/model';

/** How many time buckets a reduction to at most maxPoints uses: each bucket gives up to two points. */
export function minMaxBucketCount(maxPoints: number): number {
  return Math.max(1, Math.floor(maxPoints / 2));
}

/**
 * Splits the inclusive time range [first, last] into `count` contiguous buckets and returns the
 * count + 1 edges: bucket i holds the times t with edges[i] <= t < edges[i + 1].
 * The store's SQL reduction and downsampleMinMax share it, so they pick the same points.
 */
export function bucketEdges(first: number, last: number, count: number): number[] {
  const span = last - first + 1;
  const edges: number[] = [];
  for (let i = 0; i < count; i++) edges.push(first + Math.floor((i * span) / count));
  edges.push(last + 1);
  return edges;
}

/**
 * At most maxPoints points of `points` (sorted by time or not): every point when they fit, else the
 * minimum and the maximum of each time bucket (the earliest one on a tie). The result is a subset of
 * the input, sorted by time. With maxPoints = 1 it is the single highest point.
 */
export function downsampleMinMax(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  if (maxPoints < 1 || points.length === 0) return [];
  const sorted = isSortedByTime(points) ? points : [...points].sort((a, b) => a.at - b.at);
  if (sorted.length <= maxPoints) return [...sorted];
  if (maxPoints === 1) return [highest(sorted)];

  const count = minMaxBucketCount(maxPoints);
  const first = sorted[0] as SeriesPoint;
  const last = sorted[sorted.length - 1] as SeriesPoint;
  const edges = bucketEdges(first.at, last.at, count);
  const out: SeriesPoint[] = [];
  let bucket = 0;
  let min: SeriesPoint | null = null;
  let max: SeriesPoint | null = null;
  const flush = (): void => {
    if (min === null || max === null) return;
    if (min === max) out.push(min);
    else if (min.at <= max.at) out.push(min, max);
    else out.push(max, min);
    min = max = null;
  };
  for (const point of sorted) {
    if (point.at >= (edges[bucket + 1] as number)) {
      flush();
      while (point.at >= (edges[bucket + 1] as number)) bucket++;
    }
    if (min === null || point.value < min.value) min = point;
    if (max === null || point.value > max.value) max = point;
  }
  flush();
  return out;
}

function isSortedByTime(points: readonly SeriesPoint[]): boolean {
  for (let i = 1; i < points.length; i++) if ((points[i] as SeriesPoint).at < (points[i - 1] as SeriesPoint).at) return false;
  return true;
}

function highest(points: readonly SeriesPoint[]): SeriesPoint {
  let best = points[0] as SeriesPoint;
  for (const point of points) if (point.value > best.value) best = point;
  return best;
}
