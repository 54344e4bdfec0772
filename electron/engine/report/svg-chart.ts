// A small time chart as inline SVG for the audit report (issue 17): backup age as a line, restore time and
// recovery point as one mark per drill (failed drills hollow), an optional limit as a dashed line. No script, no
// external resource, fixed size, so it prints the same everywhere. Pure.
import { escapeHtml } from './html-text';

export interface ChartPoint {
  at: number;
  value: number;
  failed?: boolean;
}

export interface TimeChart {
  title: string;
  from: number;
  to: number;
  points: readonly ChartPoint[];
  style: 'line' | 'marks';
  /** How a value reads on the axis ("26h", "7m"). */
  format: (value: number) => string;
  limit?: { value: number; label: string };
}

const WIDTH = 680;
const HEIGHT = 150;
const LEFT = 56;
const RIGHT = 10;
const TOP = 18;
const BOTTOM = 22;

export function svgChart(chart: TimeChart): string {
  const { from, to, points } = chart;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const top = Math.max(1, ...points.map((p) => p.value), chart.limit?.value ?? 0) * 1.1;
  const x = (at: number) => LEFT + ((at - from) / Math.max(1, to - from)) * plotW;
  const y = (value: number) => TOP + plotH - (value / top) * plotH;
  const n = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(chart.title)}">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<text x="${LEFT}" y="12" class="chart-title">${escapeHtml(chart.title)}</text>`,
  ];
  for (const fraction of points.length ? [0, 0.5, 1] : []) {
    const value = (top / 1.1) * fraction;
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${n(y(value))}" y2="${n(y(value))}" class="grid"/>`, `<text x="${LEFT - 4}" y="${n(y(value) + 3)}" text-anchor="end" class="axis">${escapeHtml(chart.format(value))}</text>`);
  }
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const at = from + ((to - from) * i) / ticks;
    out.push(`<text x="${n(x(at))}" y="${HEIGHT - 6}" text-anchor="${i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}" class="axis">${new Date(at).toISOString().slice(0, 10)}</text>`);
  }
  if (chart.limit) {
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${n(y(chart.limit.value))}" y2="${n(y(chart.limit.value))}" class="limit"/>`, `<text x="${WIDTH - RIGHT}" y="${n(y(chart.limit.value) - 3)}" text-anchor="end" class="limit-label">${escapeHtml(chart.limit.label)}</text>`);
  }
  if (points.length === 0) {
    out.push(`<text x="${LEFT + plotW / 2}" y="${TOP + plotH / 2}" text-anchor="middle" class="axis">nothing recorded in this period</text>`);
  } else if (chart.style === 'line') {
    out.push(`<polyline class="series" points="${points.map((p) => `${n(x(p.at))},${n(y(p.value))}`).join(' ')}"/>`);
  } else {
    for (const p of points) out.push(`<circle cx="${n(x(p.at))}" cy="${n(y(p.value))}" r="2.5" class="${p.failed ? 'mark failed' : 'mark'}"/>`);
  }
  out.push('</svg>');
  return out.join('');
}
