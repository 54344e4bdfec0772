// Where the backup-age line is above the max age, as time spans to shade on the chart.
import type { SeriesPoint } from '../../shared/model';

export interface BreachSpan {
  from: number;
  to: number;
}

/**
 * The stretches of `series` (in time order) where the age is above `maxAgeMs` — strictly above, as the
 * backup-age rule judges. A crossing between two points is interpolated on the straight segment the chart
 * draws between them, so the shading starts and ends exactly where the line crosses the threshold. A
 * single point above the line gives a span of zero width: it is still a breach, and still counted.
 */
export function breachSpans(series: readonly SeriesPoint[], maxAgeMs: number): BreachSpan[] {
  const spans: BreachSpan[] = [];
  let start: number | null = null;
  let previous: SeriesPoint | null = null;
  for (const point of series) {
    const above = point.value > maxAgeMs;
    if (previous === null) {
      if (above) start = point.at;
    } else if (above && start === null) {
      start = crossing(previous, point, maxAgeMs);
    } else if (!above && start !== null) {
      spans.push({ from: start, to: crossing(previous, point, maxAgeMs) });
      start = null;
    }
    previous = point;
  }
  if (start !== null && previous !== null) spans.push({ from: start, to: previous.at });
  return spans;
}

/** When the straight segment from a to b passes `level` (a and b on opposite sides of it). */
function crossing(a: SeriesPoint, b: SeriesPoint, level: number): number {
  if (b.value === a.value) return b.at;
  return a.at + ((level - a.value) * (b.at - a.at)) / (b.value - a.value);
}
