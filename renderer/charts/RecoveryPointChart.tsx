// How far each restore drill that replayed WAL got: the recovery point it reached (how far behind the drill's
// start the restored database ends: the data a real restore would lose) against maxRecoveryPoint, and below it
// the restore time of the same drills on the same time axis. A drill over the target is marked; a drill that
// did not pass is a mark on the axis, since it reached nothing.
import { CartesianGrid, Line, LineChart, ReferenceDot, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { DrillPoint, RangeId } from '../../shared/api';
import { recoveryPointShort } from '../../shared/recovery-words';
import { formatDuration } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { OUTCOME_WORD, dateTime } from '../words';
import { ChartFrame, LegendItem, lowerChartSize, useChartSizeProps } from './ChartFrame';
import { timeTick } from './time-axis';

interface RecoveryDatum {
  at: number;
  /** Recovery point reached, ms; null when the drill did not measure one. */
  pointMs: number | null;
  restoreMs: number | null;
  breach: boolean;
  drill: DrillPoint;
}

/** The drills this chart is about: passing drills that replayed WAL, and every drill that did not pass. */
export function recoveryDrills(drills: readonly DrillPoint[]): DrillPoint[] {
  return drills.filter((d) => d.recovery !== undefined || d.outcome !== 'pass');
}

/** Whether any drill in the range replayed WAL: otherwise the chart has nothing to say (a dump source). */
export function hasRecoveryDrills(drills: readonly DrillPoint[]): boolean {
  return drills.some((d) => d.recovery !== undefined);
}

function pointWords(d: DrillPoint): string {
  if (d.outcome !== 'pass') return `${OUTCOME_WORD[d.outcome]}: reached no recovery point`;
  return d.recovery ? `Restored ${recoveryPointShort(d.recovery)}` : 'Replayed no WAL';
}

function RecoveryTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const datum = active ? (payload?.[0]?.payload as RecoveryDatum | undefined) : undefined;
  if (!datum) return null;
  const d = datum.drill;
  return (
    <div className="chart-tooltip">
      <div>
        <strong className={`outcome-${d.outcome}`}>{OUTCOME_WORD[d.outcome]}</strong> · {dateTime(d.finishedAt)}
      </div>
      <div>{pointWords(d)}</div>
      {d.recovery?.recoveredTo != null && <div>Restorable up to {dateTime(d.recovery.recoveredTo)}</div>}
      <div>{d.restoreMs !== null ? `Restored and verified in ${formatDuration(d.restoreMs)}` : `Stopped after ${formatDuration(d.durationMs)}`}</div>
      <div className="tooltip-key">{visibleText(d.backupKey)}</div>
    </div>
  );
}

interface DotProps {
  cx?: number | null;
  cy?: number | null;
  payload?: RecoveryDatum;
}

/** A reached recovery point: ringed and red when over the target. */
function RecoveryDot({ cx, cy, payload }: DotProps) {
  if (cx == null || cy == null || !Number.isFinite(cx) || !Number.isFinite(cy) || !payload || payload.pointMs === null) return <g />;
  return payload.breach ? (
    <g className="recovery-breach" data-at={payload.at}>
      <circle cx={cx} cy={cy} r={7} className="breach-ring" />
      <circle cx={cx} cy={cy} r={4} className="recovery-dot over-target" />
    </g>
  ) : (
    <circle cx={cx} cy={cy} r={3.5} className="recovery-dot" data-at={payload.at} />
  );
}

function RestoreDot({ cx, cy, payload }: DotProps) {
  if (cx == null || cy == null || !Number.isFinite(cx) || !Number.isFinite(cy) || !payload || payload.restoreMs === null) return <g />;
  return <circle cx={cx} cy={cy} r={3} className="restore-time-dot" />;
}

export function recoverySummary(drills: readonly DrillPoint[], maxMs: number | null): string {
  const reached = drills.filter((d) => d.outcome === 'pass' && d.recovery);
  const last = reached[reached.length - 1];
  const parts: string[] = [];
  if (last?.recovery) parts.push(`The latest, ${dateTime(last.finishedAt)}, restored ${recoveryPointShort(last.recovery)}.`);
  if (maxMs !== null) {
    const over = reached.filter((d) => d.recovery?.recoveryPointMs != null && d.recovery.recoveryPointMs > maxMs).length;
    parts.push(over === 0 ? `None over the target (maxRecoveryPoint ${formatDuration(maxMs)}).` : `${over} of ${reached.length} over the target (maxRecoveryPoint ${formatDuration(maxMs)}), marked.`);
  } else {
    parts.push('No target set: maxRecoveryPoint in the source draws one.');
  }
  const failed = drills.filter((d) => d.outcome !== 'pass').length;
  if (failed > 0) parts.push(`${failed} drill${failed === 1 ? '' : 's'} did not pass (marks on the axis).`);
  return parts.join(' ');
}

export function RecoveryPointChart({ drills, maxRecoveryPointMs, from, to, range }: { drills: DrillPoint[]; maxRecoveryPointMs: number | null; from: number; to: number; range: RangeId }) {
  const size = useChartSizeProps(200);
  const shown = recoveryDrills(drills);
  const data: RecoveryDatum[] = shown.map((d) => {
    const pointMs = d.outcome === 'pass' ? (d.recovery?.idle ? 0 : (d.recovery?.recoveryPointMs ?? null)) : null;
    return { at: d.finishedAt, pointMs, restoreMs: d.restoreMs, breach: maxRecoveryPointMs !== null && pointMs !== null && pointMs > maxRecoveryPointMs, drill: d };
  });
  const failed = data.filter((d) => d.drill.outcome !== 'pass');
  const breaches = data.filter((d) => d.breach).length;
  const reached = data.filter((d) => d.pointMs !== null).length;
  const restoreSize = lowerChartSize(size, 0.6, 120);
  const xAxis = <XAxis dataKey="at" type="number" scale="time" domain={[from, to]} tickFormatter={timeTick(range)} minTickGap={24} />;
  return (
    <ChartFrame
      title="Recovery point reached"
      testId="recovery-chart"
      points={data.length}
      attributes={{ 'data-breaches': breaches, 'data-failed': failed.length, 'data-reached': reached, ...(maxRecoveryPointMs === null ? {} : { 'data-threshold-ms': maxRecoveryPointMs }) }}
      summary={<span data-testid="recovery-summary">{recoverySummary(shown, maxRecoveryPointMs)}</span>}
      empty="No drill replayed WAL in this range."
      legend={
        <ul className="legend">
          <LegendItem className="swatch-recovery" label="Recovery point reached (behind the drill's start)" count={reached} />
          {maxRecoveryPointMs !== null && <LegendItem className="swatch-threshold" label={`maxRecoveryPoint (${formatDuration(maxRecoveryPointMs)})`} />}
          {breaches > 0 && <LegendItem className="swatch-breach-mark" label="Over the target" count={breaches} />}
          {failed.length > 0 && <LegendItem className="drill-fail" label="Did not pass" count={failed.length} />}
          <LegendItem className="swatch-restore-time" label="Restore time (below)" />
        </ul>
      }
    >
      <LineChart {...size} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title="Recovery point reached per drill" className="recovery-chart">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        {xAxis}
        <YAxis tickFormatter={(ms: number) => formatDuration(ms)} width={64} domain={[0, 'auto']} />
        {maxRecoveryPointMs !== null && (
          <ReferenceLine y={maxRecoveryPointMs} className="threshold recovery-target" ifOverflow="extendDomain" label={{ value: `maxRecoveryPoint ${formatDuration(maxRecoveryPointMs)}`, position: 'insideTopRight' }} />
        )}
        {failed.map((d) => (
          <ReferenceDot key={`failed-${d.at}`} x={d.at} y={0} r={5} className={`marker failed-drill-mark drill-${d.drill.outcome}`} ifOverflow="extendDomain" />
        ))}
        <Line dataKey="pointMs" type="linear" connectNulls dot={RecoveryDot} activeDot={false} isAnimationActive={false} className="recovery-line" name="Recovery point" />
        <Tooltip isAnimationActive={false} content={RecoveryTooltip} />
      </LineChart>
      <LineChart {...restoreSize} data={data} margin={{ top: 4, right: 16, bottom: 0, left: 0 }} title="Restore time per drill" className="restore-time-chart">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        {xAxis}
        <YAxis tickFormatter={(ms: number) => formatDuration(ms)} width={64} domain={[0, 'auto']} label={{ value: 'restore', angle: -90, position: 'insideLeft' }} />
        <Line dataKey="restoreMs" type="linear" connectNulls dot={RestoreDot} activeDot={false} isAnimationActive={false} className="restore-time-line" name="Restore time" />
        <Tooltip isAnimationActive={false} content={RecoveryTooltip} />
      </LineChart>
    </ChartFrame>
  );
}
