/**
 * An SVG path through `values`, left to right, scaled into width x height. The baseline is zero, not the
 * smallest value: a dump of a few bytes must plunge to the bottom, while normal day-to-day variation stays
 * a nearly flat line near the top.
 */
export function sparklinePath(values: readonly number[], width: number, height: number, pad = 1): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const innerHeight = height - 2 * pad;
  const y = (value: number) => round(pad + innerHeight - (max > 0 ? (Math.max(0, value) / max) * innerHeight : 0));
  if (values.length === 1) return `M${round(pad)},${y(values[0]!)}L${round(width - pad)},${y(values[0]!)}`;
  const step = (width - 2 * pad) / (values.length - 1);
  return values.map((value, i) => `${i === 0 ? 'M' : 'L'}${round(pad + i * step)},${y(value)}`).join('');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
