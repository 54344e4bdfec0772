import { describe, expect, it } from 'vitest';
import { bucketEdges, downsampleMinMax } from '../../../electron/engine/store/downsample';
import type { SeriesPoint } from '../../../shared/model';

/** A sawtooth: age climbs for `period` points then drops to 0, like backup age between nightly dumps. */
function sawtooth(length: number, period: number): SeriesPoint[] {
  return Array.from({ length }, (_, i) => ({ at: 1_000 + i * 10, value: (i % period) * 100 }));
}

describe('downsampleMinMax', () => {
  it('keeps every peak and every trough of a sawtooth while cutting the point count', () => {
    const points = sawtooth(10_000, 100);
    const reduced = downsampleMinMax(points, 400);
    expect(reduced.length).toBeLessThanOrEqual(400);
    expect(reduced.length).toBeGreaterThan(150);
    const peaks = points.filter((_, i) => i % 100 === 99);
    const troughs = points.filter((_, i) => i % 100 === 0);
    expect(peaks).toHaveLength(100);
    for (const peak of peaks) expect(reduced).toContainEqual(peak);
    for (const trough of troughs) expect(reduced).toContainEqual(trough);
  });

  it('returns a subset of the real points, sorted by time, never more than maxPoints', () => {
    const points = Array.from({ length: 5_000 }, (_, i) => ({ at: i * 7 + (i % 3), value: Math.sin(i / 13) * 1000 + (i % 17) }));
    for (const maxPoints of [1, 2, 3, 10, 999, 1000, 4_999]) {
      const reduced = downsampleMinMax(points, maxPoints);
      expect(reduced.length, `maxPoints ${maxPoints}`).toBeLessThanOrEqual(maxPoints);
      for (const point of reduced) expect(points).toContain(point);
      for (let i = 1; i < reduced.length; i++) expect(reduced[i]!.at).toBeGreaterThan(reduced[i - 1]!.at);
      expect(Math.max(...reduced.map((p) => p.value))).toBe(Math.max(...points.map((p) => p.value)));
      if (maxPoints >= 2) expect(Math.min(...reduced.map((p) => p.value))).toBe(Math.min(...points.map((p) => p.value)));
    }
  });

  it('returns a short series whole, and sorts an unsorted one', () => {
    const points = [
      { at: 30, value: 1 },
      { at: 10, value: 5 },
      { at: 20, value: 3 },
    ];
    expect(downsampleMinMax(points, 3)).toEqual([points[1], points[2], points[0]]);
    expect(downsampleMinMax([], 10)).toEqual([]);
    expect(downsampleMinMax(points, 0)).toEqual([]);
  });

  it('with one point allowed, shows the highest', () => {
    expect(downsampleMinMax(sawtooth(1000, 300), 1)).toEqual([{ at: 1_000 + 299 * 10, value: 29_900 }]);
  });

  it('a lone spike in a flat series survives', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ at: i, value: i === 77_777 ? 9_999 : 5 }));
    expect(downsampleMinMax(points, 100)).toContainEqual({ at: 77_777, value: 9_999 });
  });
});

describe('bucketEdges', () => {
  it('covers [first, last] with contiguous buckets, the last one ending after last', () => {
    expect(bucketEdges(0, 99, 4)).toEqual([0, 25, 50, 75, 100]);
    const edges = bucketEdges(1_700_000_000_000, 1_731_536_000_000, 500);
    expect(edges).toHaveLength(501);
    expect(edges[0]).toBe(1_700_000_000_000);
    expect(edges[500]).toBe(1_731_536_000_001);
    for (let i = 1; i < edges.length; i++) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
  });
});
