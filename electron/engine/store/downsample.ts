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
  const buckets = new MinMaxBuckets((sorted[0] as SeriesPoint).at, (sorted[sorted.length - 1] as SeriesPoint).at, maxPoints);
  for (const point of sorted) buckets.add(point.at, point.value);
  return buckets.indices().map((index) => sorted[index] as SeriesPoint);
}

/**
 * The reduction downsampleMinMax makes, fed one point at a time in time order, for a series too long to hold
 * as objects (store/backup-age.ts computes its corners as it goes): each of the minMaxBucketCount(maxPoints)
 * buckets of [first, last] keeps its lowest and highest point (the earliest on a tie). Points outside
 * [first, last] must not be added.
 */
export class MinMaxBuckets {
  private readonly edges: number[];
  private readonly kept: SeriesPoint[] = [];
  private readonly keptIndices: number[] = [];
  private bucket = 0;
  private added = 0;
  // The current bucket's extremes, as the index of the point (-1: none yet), its time and value.
  private minIndex = -1;
  private minAt = 0;
  private minValue = 0;
  private maxIndex = -1;
  private maxAt = 0;
  private maxValue = 0;

  constructor(first: number, last: number, maxPoints: number) {
    this.edges = bucketEdges(first, last, minMaxBucketCount(maxPoints));
  }

  add(at: number, value: number): void {
    if (at >= (this.edges[this.bucket + 1] as number)) {
      this.flush();
      while (at >= (this.edges[this.bucket + 1] as number)) this.bucket++;
    }
    const index = this.added++;
    if (this.minIndex === -1 || value < this.minValue) {
      this.minIndex = index;
      this.minAt = at;
      this.minValue = value;
    }
    if (this.maxIndex === -1 || value > this.maxValue) {
      this.maxIndex = index;
      this.maxAt = at;
      this.maxValue = value;
    }
  }

  /** The points kept, in time order. */
  points(): SeriesPoint[] {
    this.flush();
    return this.kept;
  }

  /** Where the points kept were in the order they were added (0 for the first one added). */
  indices(): number[] {
    this.flush();
    return this.keptIndices;
  }

  private flush(): void {
    if (this.minIndex === -1) return;
    if (this.minIndex === this.maxIndex) this.keep(this.minIndex, this.minAt, this.minValue);
    else if (this.minAt <= this.maxAt) {
      this.keep(this.minIndex, this.minAt, this.minValue);
      this.keep(this.maxIndex, this.maxAt, this.maxValue);
    } else {
      this.keep(this.maxIndex, this.maxAt, this.maxValue);
      this.keep(this.minIndex, this.minAt, this.minValue);
    }
    this.minIndex = this.maxIndex = -1;
  }

  private keep(index: number, at: number, value: number): void {
    this.kept.push({ at, value });
    this.keptIndices.push(index);
  }
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
