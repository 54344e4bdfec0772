import { describe, expect, it } from 'vitest';
import { breachSpans } from '../../../renderer/charts/breach-spans';

const H = 3_600_000;
/** Points at the given hours with the given ages in hours. */
const series = (...points: [at: number, age: number][]) => points.map(([at, age]) => ({ at: at * H, value: age * H }));

describe('breachSpans', () => {
  it('is empty when the age never goes above the max age', () => {
    expect(breachSpans(series([0, 1], [6, 7], [12, 13]), 26 * H)).toEqual([]);
    expect(breachSpans([], 26 * H)).toEqual([]);
  });

  it('does not count an age equal to the max age: the rule fires when older', () => {
    expect(breachSpans(series([0, 20], [6, 26], [12, 2]), 26 * H)).toEqual([]);
  });

  it('starts and ends where the drawn line crosses the threshold', () => {
    // 20h at t=0 to 32h at t=12: crosses 26h at t=6. 32h at t=12 to 2h at t=13: crosses at t=12.2.
    expect(breachSpans(series([0, 20], [12, 32], [13, 2]), 26 * H)).toEqual([{ from: 6 * H, to: 12.2 * H }]);
  });

  it('finds every separate stretch', () => {
    const spans = breachSpans(series([0, 24], [4, 28], [8, 2], [12, 6], [40, 34], [41, 1]), 26 * H);
    expect(spans).toHaveLength(2);
    // 24h -> 28h over 4h crosses at t=2; 28h -> 2h over 4h crosses at t = 4 + 4 * 2/26.
    expect(spans[0]!.from).toBe(2 * H);
    expect(spans[0]!.to).toBeCloseTo((4 + 8 / 26) * H);
    // 6h -> 34h over 28h crosses at t=32; open to 34h -> 1h, crossing at t = 40 + 8/33.
    expect(spans[1]!.from).toBeCloseTo(32 * H);
    expect(spans[1]!.to).toBeCloseTo((40 + 8 / 33) * H);
  });

  it('opens at the first point when the range starts in a breach, and stays open to the last point', () => {
    expect(breachSpans(series([0, 30], [6, 36], [12, 42]), 26 * H)).toEqual([{ from: 0, to: 12 * H }]);
  });

  it('keeps a single point above the threshold as a zero-width breach', () => {
    expect(breachSpans(series([5, 40]), 26 * H)).toEqual([{ from: 5 * H, to: 5 * H }]);
  });
});
