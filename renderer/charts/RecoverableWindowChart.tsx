// The recoverable window over time: at each poll, the band of times a point-in-time recovery could reach, from
// when the oldest base backup's start segment was archived to when the newest segment was. A healthy archive
// is a band whose top climbs with the poll time and whose bottom steps up as old backups expire. A poll that
// found segments missing is shaded, with a mark where recovery stops.
import { Area, CartesianGrid, ComposedChart, ReferenceArea, ReferenceDot, Tooltip, XAxis, YAxis } from 'recharts';
import type { RangeId, WalWindowPoint } from '../../shared/api';
import { countOf } from '../../shared/units';
import { dateTime } from '../words';
import { ChartFrame, LegendItem, useChartSizeProps } from './ChartFrame';
import { timeTick } from './time-axis';

export interface GapSpan {
  from: number;
  to: number;
}

/** Stretches of consecutive polls that found segments missing (a single poll is a span of zero width, still counted). */
export function gapSpans(points: readonly WalWindowPoint[]): GapSpan[] {
  const spans: GapSpan[] = [];
  let open: GapSpan | null = null;
  for (const point of points) {
    if (point.missing > 0) {
      if (open === null) spans.push((open = { from: point.at, to: point.at }));
      else open.to = point.at;
    } else open = null;
  }
  return spans;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const hourFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function WindowTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const point = active ? (payload?.[0]?.payload as WalWindowPoint | undefined) : undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip">
      <div>Poll {dateTime(point.at)}</div>
      <div>
        Recoverable from {point.from === null ? 'an unknown time' : dateTime(point.from)} to {point.to === null ? 'an unknown time' : dateTime(point.to)}
      </div>
      {point.missing > 0 && (
        <div className="loud">
          {countOf(point.missing, 'segment')} missing: recovery stops {point.stopsAt === null ? 'before the first segment' : `at ${dateTime(point.stopsAt)}`}
        </div>
      )}
    </div>
  );
}

export function windowSummary(points: readonly WalWindowPoint[]): string {
  const last = points[points.length - 1];
  if (!last) return 'The times a point-in-time recovery could reach, at each poll.';
  const now = last.from !== null && last.to !== null ? `At the last poll: ${dateTime(last.from)} to ${dateTime(last.to)}.` : 'At the last poll the archive gave no times.';
  const spans = gapSpans(points);
  const gaps = spans.length === 0 ? ' No segment missing in this range.' : ` Segments were missing ${spans.length === 1 ? 'once' : `${spans.length} times`} in this range (shaded, marked where recovery stops).`;
  return `${now}${gaps}`;
}

export function RecoverableWindowChart({ points, from, to, range }: { points: WalWindowPoint[]; from: number; to: number; range: RangeId }) {
  const size = useChartSizeProps(220);
  const data = points.map((p) => ({ ...p, band: p.from !== null && p.to !== null ? [p.from, p.to] : null }));
  const spans = gapSpans(points);
  const gapPoints = points.filter((p) => p.missing > 0);
  // The y axis is time too: from the earliest start to the latest end any poll saw, with five labelled ticks.
  const times = points.flatMap((p) => [p.from, p.to, p.stopsAt]).filter((t): t is number => t !== null);
  const low = times.length > 0 ? Math.min(...times) : 0;
  const high = times.length > 0 ? Math.max(...times) : 1;
  const yDomain: [number, number] = [low, high === low ? low + 1 : high];
  // Days when the window spans several, else hours and minutes.
  const yFormat = yDomain[1] - yDomain[0] > 4 * 86_400_000 ? dayFormat : hourFormat;
  const yTicks = [0, 1, 2, 3, 4].map((i) => yDomain[0] + ((yDomain[1] - yDomain[0]) * i) / 4);
  return (
    <ChartFrame
      title="Recoverable window"
      testId="window-chart"
      points={points.length}
      attributes={{ 'data-gaps': spans.length, 'data-gap-polls': gapPoints.length }}
      summary={<span data-testid="window-summary">{windowSummary(points)}</span>}
      empty="No poll in this range listed the WAL archive."
      legend={
        <ul className="legend">
          <LegendItem className="swatch-window" label="Times a recovery could reach (oldest base backup start to newest archived segment)" />
          {spans.length > 0 && <LegendItem className="swatch-breach" label="Segments missing" count={gapPoints.length} />}
          {spans.length > 0 && <LegendItem className="swatch-gap-mark" label="Where recovery stops" />}
        </ul>
      }
    >
      <ComposedChart {...size} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title="Recoverable window over time" className="window-chart">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="at" type="number" scale="time" domain={[from, to]} tickFormatter={timeTick(range)} minTickGap={24} />
        <YAxis type="number" domain={yDomain} ticks={yTicks} tickFormatter={(at: number) => (Number.isFinite(at) ? yFormat.format(at) : '')} width={yFormat === dayFormat ? 64 : 112} />
        {spans.map((span) => (
          <ReferenceArea key={`gap-${span.from}`} x1={span.from} x2={span.to} className="breach gap-span" ifOverflow="hidden" />
        ))}
        <Area dataKey="band" type="stepAfter" isAnimationActive={false} className="window-band" name="Recoverable window" connectNulls={false} />
        {gapPoints.map((p) => {
          const y = p.stopsAt ?? p.from ?? p.to;
          return y === null ? null : <ReferenceDot key={`stop-${p.at}`} x={p.at} y={y} r={3.5} className="marker gap-mark" ifOverflow="extendDomain" />;
        })}
        <Tooltip isAnimationActive={false} content={WindowTooltip} />
      </ComposedChart>
    </ChartFrame>
  );
}
