// Every routine of one database on one time axis: a lane per routine, a dot per backup in the routine's colour
// (an unreadable one ringed in red), and each drill that restored the database as a diamond in its routine's
// lane, green when it passed and red when it did not. Gaps between dots are nights nothing was backed up.
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis, type ScatterShapeProps } from 'recharts';
import type { DatabaseBackupMark, DatabaseDrillMark, RangeId } from '../../shared/api';
import type { DatabaseRoutine } from '../../shared/databases';
import { formatBytes, formatDuration } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { OUTCOME_WORD, dateTime } from '../words';
import { ChartFrame, LegendItem, useChartSizeProps } from './ChartFrame';
import { markCentre, routineColours } from './routine-colours';
import { timeTick } from './time-axis';

type Mark = { at: number; lane: number; routine: string; colour: string } & ({ backup: DatabaseBackupMark } | { drill: DatabaseDrillMark });

/** Drills sit a little above their routine's backups, so a drill of a backup never hides it. */
const DRILL_OFFSET = 0.3;
const LANE_HEIGHT = 34;
/** Room for a routine's name beside its lane; the page's other charts use it too, so their time axes line up. */
export const LANE_LABEL_WIDTH = 132;

function BackupDot(props: ScatterShapeProps) {
  const mark = props.payload as Mark | undefined;
  const centre = markCentre(props);
  if (!mark || !('backup' in mark) || !centre) return <g />;
  const { cx, cy } = centre;
  return (
    <circle
      cx={cx}
      cy={cy}
      r={mark.backup.readable ? 3.5 : 5}
      className={`backup-mark ${mark.colour}${mark.backup.readable ? '' : ' backup-unreadable'}`}
      data-source={mark.backup.sourceId}
      data-readable={String(mark.backup.readable)}
    />
  );
}

function DrillDiamond(props: ScatterShapeProps) {
  const mark = props.payload as Mark | undefined;
  const centre = markCentre(props);
  if (!mark || !('drill' in mark) || !centre) return <g />;
  const { cx, cy } = centre;
  const r = 6;
  return (
    <path
      d={`M${cx},${cy - r}L${cx + r},${cy}L${cx},${cy + r}L${cx - r},${cy}Z`}
      className={`drill-mark marker drill-${mark.drill.outcome}`}
      data-source={mark.drill.sourceId}
      data-outcome={mark.drill.outcome}
    />
  );
}

function MarkTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const mark = active ? (payload?.[0]?.payload as Mark | undefined) : undefined;
  if (!mark) return null;
  if ('backup' in mark) {
    const b = mark.backup;
    return (
      <div className="chart-tooltip">
        <div>
          Backup by <strong>{visibleText(mark.routine)}</strong> · {dateTime(b.finishedAt)}
        </div>
        <div className="tooltip-key">{visibleText(b.key)}</div>
        <div className={b.readable ? undefined : 'loud'}>
          {formatBytes(b.sizeBytes)}
          {b.readable ? '' : ', unreadable'}
        </div>
      </div>
    );
  }
  const d = mark.drill;
  return (
    <div className="chart-tooltip">
      <div>
        <strong className={`outcome-${d.outcome}`}>Drill {OUTCOME_WORD[d.outcome].toLowerCase()}</strong> · {visibleText(mark.routine)} · {dateTime(d.finishedAt)}
      </div>
      {d.restoreMs !== null && <div>Restored and verified in {formatDuration(d.restoreMs)}</div>}
      {d.recoveryPointMs !== null && <div>Recovery point {formatDuration(d.recoveryPointMs)}</div>}
      <div className="tooltip-key">{visibleText(d.backupKey)}</div>
      <div>{visibleText(d.message)}</div>
    </div>
  );
}

export function DatabaseTimelineChart({
  routines,
  backups,
  drills,
  from,
  to,
  range,
}: {
  routines: readonly DatabaseRoutine[];
  backups: readonly DatabaseBackupMark[];
  drills: readonly DatabaseDrillMark[];
  from: number;
  to: number;
  range: RangeId;
}) {
  const colours = routineColours(routines);
  const lanes = new Map(routines.map((r, i) => [r.sourceId, i]));
  const names = routines.map((r) => r.name);
  const size = useChartSizeProps(48 + LANE_HEIGHT * Math.max(1, routines.length));
  const byRoutine = routines.map((r) => {
    const lane = lanes.get(r.sourceId)!;
    const colour = colours.get(r.sourceId)!;
    return {
      routine: r,
      backups: backups.filter((b) => b.sourceId === r.sourceId).map((backup): Mark => ({ at: backup.finishedAt, lane, routine: r.name, colour, backup })),
      drills: drills.filter((d) => d.sourceId === r.sourceId).map((drill): Mark => ({ at: drill.finishedAt, lane: lane - DRILL_OFFSET, routine: r.name, colour, drill })),
    };
  });
  const outcomes = (outcome: DatabaseDrillMark['outcome']) => drills.filter((d) => d.outcome === outcome).length;
  const unreadable = backups.filter((b) => !b.readable).length;
  const notPassed = drills.length - outcomes('pass');
  const summary = `${backups.length} backup${backups.length === 1 ? '' : 's'} by ${routines.length} routine${routines.length === 1 ? '' : 's'} and ${drills.length} restore drill${drills.length === 1 ? '' : 's'} in this range${notPassed ? `; ${notPassed} did not pass` : ''}${unreadable ? `; ${unreadable} unreadable backup${unreadable === 1 ? '' : 's'} (ringed)` : ''}.`;
  return (
    <ChartFrame
      title="Backups and restore drills"
      testId="database-timeline-chart"
      points={backups.length + drills.length}
      attributes={{ 'data-backups': backups.length, 'data-drills': drills.length, 'data-failed': notPassed, 'data-routines': routines.length }}
      summary={<span data-testid="timeline-summary">{summary}</span>}
      empty="No backups and no drills in this range."
      legend={
        <ul className="legend" data-testid="timeline-legend">
          {byRoutine.map(({ routine, backups: marks }) => (
            <LegendItem key={routine.sourceId} className={colours.get(routine.sourceId)!} label={`${routine.name} backups`} count={marks.length} />
          ))}
          <LegendItem className="drill-pass diamond" label={`Drill ${OUTCOME_WORD.pass.toLowerCase()}`} count={outcomes('pass')} />
          <LegendItem className="drill-fail diamond" label={`Drill ${OUTCOME_WORD.fail.toLowerCase()}`} count={outcomes('fail')} />
          {outcomes('error') > 0 && <LegendItem className="drill-error diamond" label={`Drill ${OUTCOME_WORD.error.toLowerCase()}`} count={outcomes('error')} />}
        </ul>
      }
    >
      <ScatterChart {...size} margin={{ top: 12, right: 16, bottom: 0, left: 0 }} title="Backups and restore drills per routine" className="database-timeline">
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis dataKey="at" type="number" scale="time" domain={[from, to]} tickFormatter={timeTick(range)} minTickGap={24} />
        <YAxis
          dataKey="lane"
          type="number"
          reversed
          domain={[-0.5, Math.max(0, routines.length - 1) + 0.5]}
          ticks={routines.map((_, i) => i)}
          tickFormatter={(lane: number) => names[lane] ?? ''}
          width={LANE_LABEL_WIDTH}
          interval={0}
        />
        {byRoutine.map(({ routine, backups: marks }) => (
          <Scatter key={`b-${routine.sourceId}`} data={marks} shape={BackupDot} isAnimationActive={false} name={`${routine.name} backups`} />
        ))}
        {byRoutine.map(({ routine, drills: marks }) => (
          <Scatter key={`d-${routine.sourceId}`} data={marks} shape={DrillDiamond} isAnimationActive={false} name={`${routine.name} drills`} />
        ))}
        <Tooltip isAnimationActive={false} content={MarkTooltip} cursor={false} />
      </ScatterChart>
    </ChartFrame>
  );
}
