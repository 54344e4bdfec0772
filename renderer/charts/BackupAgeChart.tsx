// How old the newest readable backup was at each instant, from when the backups finished (the store sends the
// sawtooth's corners, from the first backup up to the last poll that saw one), so the chart reaches back before
// the first poll. A healthy source is a sawtooth under the max-age line; a night the dump did not run is a tooth
// that climbs through it, shaded.
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { RangeId } from '../../shared/api';
import type { SeriesPoint } from '../../shared/model';
import { formatDuration } from '../../shared/units';
import { dateTime } from '../words';
import { breachSpans } from './breach-spans';
import { ChartFrame, LegendItem, useChartSizeProps } from './ChartFrame';
import { HOUR_MS, timeTick } from './time-axis';

const SHOW_DOTS_BELOW = 60;

/** `yAxisWidth` lines its time axis up with the charts under it (the database page's lanes). */
export function BackupAgeChart({ series, maxAgeMs, from, to, range, yAxisWidth = 48 }: { series: SeriesPoint[]; maxAgeMs: number | null; from: number; to: number; range: RangeId; yAxisWidth?: number }) {
  const size = useChartSizeProps(220);
  const data = series.map((p) => ({ at: p.at, hours: p.value / HOUR_MS }));
  const spans = maxAgeMs === null ? [] : breachSpans(series, maxAgeMs);
  const thresholdHours = maxAgeMs === null ? null : maxAgeMs / HOUR_MS;
  const summary =
    maxAgeMs === null || series.length === 0
      ? 'Age of the newest backup over time, from when each backup finished.'
      : spans.length === 0
        ? `Never older than the max age (${formatDuration(maxAgeMs)}) in this range.`
        : `Older than the max age (${formatDuration(maxAgeMs)}) ${spans.length === 1 ? 'once' : `${spans.length} times`} in this range (shaded).`;

  return (
    <ChartFrame
      title="Backup age"
      testId="age-chart"
      points={series.length}
      attributes={{ 'data-breaches': spans.length, ...(maxAgeMs === null ? {} : { 'data-threshold-ms': maxAgeMs }) }}
      summary={<span data-testid="age-summary">{summary}</span>}
      empty="No readable backup in this range."
      legend={
        <ul className="legend">
          <LegendItem className="swatch-age" label="Age of the newest backup" />
          {maxAgeMs !== null && <LegendItem className="swatch-threshold" label={`Max age (${formatDuration(maxAgeMs)})`} />}
          {spans.length > 0 && <LegendItem className="swatch-breach" label="Too old" count={spans.length} />}
        </ul>
      }
    >
      <LineChart {...size} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title="Backup age over time" className="age-chart">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="at" type="number" scale="time" domain={[from, to]} tickFormatter={timeTick(range)} minTickGap={24} />
        <YAxis tickFormatter={(h: number) => `${Math.round(h)}h`} width={yAxisWidth} allowDecimals={false} label={{ value: 'hours', angle: -90, position: 'insideLeft' }} />
        {spans.map((span) => (
          <ReferenceArea key={span.from} x1={span.from} x2={span.to} className="breach" ifOverflow="hidden" />
        ))}
        {thresholdHours !== null && (
          <ReferenceLine y={thresholdHours} className="threshold" ifOverflow="extendDomain" label={{ value: `max age ${formatDuration(maxAgeMs ?? 0)}`, position: 'insideTopRight' }} />
        )}
        {/* A short history is a few points squeezed at the right edge: draw them as dots so they are seen. */}
        <Line dataKey="hours" type="linear" dot={data.length <= SHOW_DOTS_BELOW ? { r: 3 } : false} isAnimationActive={false} className="age-line" name="Backup age" />
        <Tooltip isAnimationActive={false} labelFormatter={(at) => dateTime(Number(at))} formatter={(hours) => [formatDuration(Number(hours) * HOUR_MS), 'Backup age']} />
      </LineChart>
    </ChartFrame>
  );
}
