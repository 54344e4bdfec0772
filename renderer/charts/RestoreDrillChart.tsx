// How long each restore drill took to give back a verified database — the restore time a real incident
// would cost — coloured by outcome. A drill that never got to a verified database is drawn at the time it
// ran before stopping, and says so in its tooltip.
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis, type BarShapeProps } from 'recharts';
import type { DrillPoint, RangeId } from '../../shared/api';
import { visibleText } from '../../shared/visible-text';
import { formatDuration } from '../../shared/units';
import { OUTCOME_WORD, dateTime } from '../words';
import { ChartFrame, LegendItem, useChartSizeProps } from './ChartFrame';
import { timeTick } from './time-axis';

interface DrillBar extends DrillPoint {
  plottedMs: number;
}

function DrillShape(props: BarShapeProps) {
  const drill = props.payload as DrillBar;
  const bar = <rect x={props.x} y={props.y} width={Math.max(1, props.width)} height={props.height} className={`drill-bar drill-${drill.outcome}`} data-outcome={drill.outcome} />;
  if (drill.outcome === 'pass') return bar;
  // A drill that stopped early is a short bar; a marker keeps it from hiding among the long passing ones.
  return (
    <g>
      {bar}
      <circle cx={props.x + props.width / 2} cy={props.y - 6} r={4} className={`marker drill-${drill.outcome}`} />
    </g>
  );
}

function DrillTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const drill = active ? (payload?.[0]?.payload as DrillBar | undefined) : undefined;
  if (!drill) return null;
  return (
    <div className="chart-tooltip">
      <div>
        <strong className={`outcome-${drill.outcome}`}>{OUTCOME_WORD[drill.outcome]}</strong> · {dateTime(drill.finishedAt)}
      </div>
      <div>{drill.restoreMs !== null ? `Restored and verified in ${formatDuration(drill.restoreMs)}` : `Stopped after ${formatDuration(drill.durationMs)}`}</div>
      <div className="tooltip-key">{visibleText(drill.backupKey)}</div>
      <div>{visibleText(drill.message)}</div>
    </div>
  );
}

function DrillSummary({ drills }: { drills: DrillPoint[] }) {
  const notPassed = drills.filter((d) => d.outcome !== 'pass');
  const last = notPassed[notPassed.length - 1];
  return (
    <>
      Time from the start of each restore to a verified database.
      {last && (
        <span data-testid="drill-failures">
          {' '}
          {notPassed.length} of {drills.length} did not pass; the latest, {dateTime(last.finishedAt)}: {visibleText(last.message)}
        </span>
      )}
    </>
  );
}

export function RestoreDrillChart({ drills, range }: { drills: DrillPoint[]; range: RangeId }) {
  const size = useChartSizeProps(200);
  const data: DrillBar[] = drills.map((d) => ({ ...d, plottedMs: d.restoreMs ?? d.durationMs }));
  const count = (outcome: DrillPoint['outcome']) => drills.filter((d) => d.outcome === outcome).length;
  const failed = count('fail');
  const errors = count('error');
  return (
    <ChartFrame
      title="Restore drills"
      testId="drill-chart"
      points={drills.length}
      attributes={{ 'data-failed': failed + errors }}
      summary={<DrillSummary drills={drills} />}
      empty="No restore drills in this range."
      legend={
        <ul className="legend" data-testid="drill-legend">
          <LegendItem className="drill-pass" label={OUTCOME_WORD.pass} count={count('pass')} />
          <LegendItem className="drill-fail" label={OUTCOME_WORD.fail} count={failed} />
          <LegendItem className="drill-error" label={OUTCOME_WORD.error} count={errors} />
        </ul>
      }
    >
      <BarChart {...size} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title="Restore drill durations">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="finishedAt" type="category" tickFormatter={timeTick(range)} minTickGap={24} />
        <YAxis tickFormatter={(ms: number) => formatDuration(ms)} width={64} />
        <Bar dataKey="plottedMs" shape={DrillShape} minPointSize={3} isAnimationActive={false} name="Restore time" />
        <Tooltip isAnimationActive={false} content={DrillTooltip} cursor={{ className: 'chart-cursor' }} />
      </BarChart>
    </ChartFrame>
  );
}
