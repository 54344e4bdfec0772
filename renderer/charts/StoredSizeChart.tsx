// What the source stores at each poll: a repository, a dump directory, a server's databases. A repository
// grows a little with each backup; a cliff down is a prune gone wrong, a flat line is backups that stopped
// adding anything. The summary names the change over the range and the worst drop, so nobody has to hover.
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RangeId } from '../../shared/api';
import type { SeriesPoint } from '../../shared/model';
import { formatBytes } from '../../shared/units';
import { dateTime } from '../words';
import { ChartFrame, LegendItem, useChartSizeProps } from './ChartFrame';
import { timeTick } from './time-axis';

const SHOW_DOTS_BELOW = 60;
/** A drop between two points by at least this share of the size before it is named in the summary. */
const NOTABLE_DROP = 0.1;

/** The largest fall from one point to the next, when it is a notable share of what was there. */
export function largestDrop(series: readonly SeriesPoint[]): { at: number; from: number; to: number } | null {
  let worst: { at: number; from: number; to: number } | null = null;
  for (let i = 1; i < series.length; i++) {
    const before = series[i - 1] as SeriesPoint;
    const after = series[i] as SeriesPoint;
    if (after.value >= before.value || before.value - after.value < before.value * NOTABLE_DROP) continue;
    if (worst === null || before.value - after.value > worst.from - worst.to) worst = { at: after.at, from: before.value, to: after.value };
  }
  return worst;
}

/** One sentence: the size now, how it changed over the range, and a notable drop if there was one. */
export function storedSummary(series: readonly SeriesPoint[]): string {
  const first = series[0];
  const last = series[series.length - 1];
  if (first === undefined || last === undefined) return 'No size measured in this range.';
  const now = `${formatBytes(last.value)} at the last poll`;
  if (series.length === 1) return `${now}.`;
  const change = last.value - first.value;
  const trend =
    change === 0
      ? 'unchanged since the start of this range'
      : `${change > 0 ? 'up' : 'down'} ${formatBytes(Math.abs(change))} from ${formatBytes(first.value)} at the start of this range`;
  const drop = largestDrop(series);
  const dropWords = drop ? ` Largest drop: ${formatBytes(drop.from)} to ${formatBytes(drop.to)} on ${dateTime(drop.at)}.` : '';
  return `${now}, ${trend}.${dropWords}`;
}

export function StoredSizeChart({ series, label, from, to, range }: { series: SeriesPoint[]; label: string; from: number; to: number; range: RangeId }) {
  const size = useChartSizeProps(220);
  const drop = largestDrop(series);
  return (
    <ChartFrame
      title={label}
      testId="stored-chart"
      points={series.length}
      attributes={drop ? { 'data-largest-drop-at': drop.at } : {}}
      summary={<span data-testid="stored-summary">{storedSummary(series)}</span>}
      empty="No size measured in this range."
      legend={
        <ul className="legend">
          <LegendItem className="swatch-stored" label={`${label} at each poll`} />
        </ul>
      }
    >
      <LineChart {...size} data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title={`${label} over time`} className="stored-chart">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="at" type="number" scale="time" domain={[from, to]} tickFormatter={timeTick(range)} minTickGap={24} />
        <YAxis tickFormatter={(bytes: number) => formatBytes(bytes)} width={64} domain={[0, 'auto']} />
        <Line dataKey="value" type="linear" dot={series.length <= SHOW_DOTS_BELOW ? { r: 3 } : false} isAnimationActive={false} className="stored-line" name={label} />
        <Tooltip isAnimationActive={false} labelFormatter={(at) => dateTime(Number(at))} formatter={(bytes) => [formatBytes(Number(bytes)), label]} />
      </LineChart>
    </ChartFrame>
  );
}
