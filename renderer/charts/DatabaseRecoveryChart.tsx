// What each drill that restored the database proved, over time: above, the recovery point (how much data a restore
// from that backup would have lost) against the rpo; below, on the same time axis, how long the restore took
// against the rto. Points take their routine's colour; one over its objective is ringed; a drill that did not
// pass proved nothing and is a red mark on the axis.
import { CartesianGrid, ReferenceDot, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis, type ScatterShapeProps } from 'recharts';
import type { DatabaseDrillMark, RangeId } from '../../shared/api';
import type { DatabaseObjectives, DatabaseRoutine } from '../../shared/databases';
import { formatDuration } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { OUTCOME_WORD, dateTime } from '../words';
import { LANE_LABEL_WIDTH } from './DatabaseTimelineChart';
import { ChartFrame, LegendItem, lowerChartSize, useChartSizeProps } from './ChartFrame';
import { markCentre, routineColours } from './routine-colours';
import { timeTick } from './time-axis';

interface ProofPoint {
  at: number;
  valueMs: number;
  over: boolean;
  colour: string;
  routine: string;
  measure: 'recovery' | 'restore';
  drill: DatabaseDrillMark;
}

function ProofDot(props: ScatterShapeProps) {
  const point = props.payload as ProofPoint | undefined;
  const centre = markCentre(props);
  if (!point || !centre) return <g />;
  const { cx, cy } = centre;
  const dot = <circle cx={cx} cy={cy} r={4} className={`proof-dot ${point.measure}-dot ${point.colour}`} data-source={point.drill.sourceId} data-over={String(point.over)} />;
  if (!point.over) return dot;
  return (
    <g className="over-objective">
      <circle cx={cx} cy={cy} r={7.5} className="breach-ring" />
      {dot}
    </g>
  );
}

function ProofTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const point = active ? (payload?.[0]?.payload as ProofPoint | undefined) : undefined;
  if (!point) return null;
  const d = point.drill;
  return (
    <div className="chart-tooltip">
      <div>
        <strong className={`outcome-${d.outcome}`}>Drill {OUTCOME_WORD[d.outcome].toLowerCase()}</strong> · {visibleText(point.routine)} · {dateTime(d.finishedAt)}
      </div>
      <div>Recovery point {d.recoveryPointMs === null ? 'not measured' : formatDuration(d.recoveryPointMs)}</div>
      <div>{d.restoreMs === null ? 'Restore time not measured' : `Restored and verified in ${formatDuration(d.restoreMs)}`}</div>
      <div className="tooltip-key">{visibleText(d.backupKey)}</div>
    </div>
  );
}

export function DatabaseRecoveryChart({
  routines,
  drills,
  objectives,
  from,
  to,
  range,
}: {
  routines: readonly DatabaseRoutine[];
  drills: readonly DatabaseDrillMark[];
  objectives: DatabaseObjectives | null;
  from: number;
  to: number;
  range: RangeId;
}) {
  const size = useChartSizeProps(200);
  const restoreSize = lowerChartSize(size, 0.7, 150);
  const colours = routineColours(routines);
  const nameOf = new Map(routines.map((r) => [r.sourceId, r.name]));
  const rpoMs = objectives?.rpoMs ?? null;
  const rtoMs = objectives?.rtoMs ?? null;
  const point = (d: DatabaseDrillMark, measure: ProofPoint['measure'], valueMs: number, limitMs: number | null): ProofPoint => ({
    at: d.finishedAt,
    valueMs,
    over: limitMs !== null && valueMs > limitMs,
    colour: colours.get(d.sourceId) ?? 'routine-colour-0',
    routine: nameOf.get(d.sourceId) ?? d.sourceId,
    measure,
    drill: d,
  });
  const passed = drills.filter((d) => d.outcome === 'pass');
  const recovery = passed.flatMap((d) => (d.recoveryPointMs === null ? [] : [point(d, 'recovery', d.recoveryPointMs, rpoMs)]));
  const restore = passed.flatMap((d) => (d.restoreMs === null ? [] : [point(d, 'restore', d.restoreMs, rtoMs)]));
  const failed = drills.filter((d) => d.outcome !== 'pass');
  const overRpo = recovery.filter((p) => p.over).length;
  const overRto = restore.filter((p) => p.over).length;
  const perRoutine = (points: ProofPoint[]) => routines.map((r) => ({ routine: r, points: points.filter((p) => p.drill.sourceId === r.sourceId) })).filter((g) => g.points.length > 0);
  const xAxis = <XAxis dataKey="at" type="number" scale="time" domain={[from, to]} tickFormatter={timeTick(range)} minTickGap={24} />;
  // As wide as the timeline's lane names, so the time axes line up (and the axis title clears "5h 33m").
  const yAxis = (label: string) => <YAxis dataKey="valueMs" type="number" tickFormatter={(ms: number) => formatDuration(ms)} width={LANE_LABEL_WIDTH} domain={[0, 'auto']} label={{ value: label, angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } }} />;
  const words = [
    rpoMs === null ? 'No rpo set.' : overRpo === 0 ? `No recovery point over the rpo (${formatDuration(rpoMs)}).` : `${overRpo} of ${recovery.length} recovery points over the rpo (${formatDuration(rpoMs)}), ringed.`,
    rtoMs === null ? 'No rto set.' : overRto === 0 ? `No restore over the rto (${formatDuration(rtoMs)}).` : `${overRto} of ${restore.length} restores over the rto (${formatDuration(rtoMs)}), ringed.`,
    failed.length > 0 ? `${failed.length} drill${failed.length === 1 ? '' : 's'} did not pass (marks on the axis).` : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <ChartFrame
      title="Recovery point and restore time per drill"
      testId="database-recovery-chart"
      points={recovery.length + restore.length + failed.length}
      attributes={{
        'data-recovery-points': recovery.length,
        'data-restores': restore.length,
        'data-over-rpo': overRpo,
        'data-over-rto': overRto,
        'data-failed': failed.length,
        ...(rpoMs === null ? {} : { 'data-rpo-ms': rpoMs }),
        ...(rtoMs === null ? {} : { 'data-rto-ms': rtoMs }),
      }}
      summary={<span data-testid="database-recovery-summary">{words}</span>}
      empty="No drill restored this database in this range."
      legend={
        <ul className="legend">
          {routines.map((r) => (
            <LegendItem key={r.sourceId} className={colours.get(r.sourceId)!} label={r.name} />
          ))}
          {rpoMs !== null && <LegendItem className="swatch-threshold" label={`rpo (${formatDuration(rpoMs)})`} />}
          {rtoMs !== null && <LegendItem className="swatch-threshold" label={`rto (${formatDuration(rtoMs)})`} />}
          {overRpo + overRto > 0 && <LegendItem className="swatch-breach-mark" label="Over its objective" count={overRpo + overRto} />}
          {failed.length > 0 && <LegendItem className="drill-fail" label="Did not pass" count={failed.length} />}
        </ul>
      }
    >
      <ScatterChart {...size} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title="Recovery point per drill" className="database-recovery-points">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        {xAxis}
        {yAxis('recovery point')}
        {rpoMs !== null && <ReferenceLine y={rpoMs} className="threshold rpo-line" ifOverflow="extendDomain" label={{ value: `rpo ${formatDuration(rpoMs)}`, position: 'insideTopRight' }} />}
        {failed.map((d) => (
          <ReferenceDot key={`failed-${d.sourceId}-${d.id}`} x={d.finishedAt} y={0} r={5} className={`marker failed-drill-mark drill-${d.outcome}`} ifOverflow="extendDomain" />
        ))}
        {perRoutine(recovery).map(({ routine, points }) => (
          <Scatter key={routine.sourceId} data={points} shape={ProofDot} isAnimationActive={false} name={`${routine.name} recovery point`} />
        ))}
        <Tooltip isAnimationActive={false} content={ProofTooltip} cursor={false} />
      </ScatterChart>
      <ScatterChart {...restoreSize} margin={{ top: 4, right: 16, bottom: 0, left: 0 }} title="Restore time per drill" className="database-restore-times">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        {xAxis}
        {yAxis('restore time')}
        {rtoMs !== null && <ReferenceLine y={rtoMs} className="threshold rto-line" ifOverflow="extendDomain" label={{ value: `rto ${formatDuration(rtoMs)}`, position: 'insideTopRight' }} />}
        {perRoutine(restore).map(({ routine, points }) => (
          <Scatter key={routine.sourceId} data={points} shape={ProofDot} isAnimationActive={false} name={`${routine.name} restore time`} />
        ))}
        <Tooltip isAnimationActive={false} content={ProofTooltip} cursor={false} />
      </ScatterChart>
    </ChartFrame>
  );
}
