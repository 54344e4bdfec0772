// One bar per backup. The GitLab failure — dumps of a few bytes — shows as bars that collapse to the
// floor, drawn in a loud colour and named in a list below, so nobody has to hover to find them.
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis, type BarShapeProps } from 'recharts';
import type { BackupAnomaly, BackupPoint, RangeId } from '../../shared/api';
import { visibleText } from '../../shared/visible-text';
import { formatBytes } from '../../shared/units';
import { dateTime } from '../words';
import { ChartFrame, LegendItem, useChartSizeProps } from './ChartFrame';
import { timeTick } from './time-axis';

const MAX_LISTED = 10;

export function anomalyWords(backup: Pick<BackupPoint, 'anomaly' | 'problem'>): string | null {
  switch (backup.anomaly) {
    case 'unreadable':
      return `Unreadable: ${backup.problem ?? 'not a dump pg_restore can read'}`;
    case 'small':
      return 'Too small: under the minimum size, or under half the median of the backups before it';
    default:
      return null;
  }
}

const anomalyClass = (anomaly: BackupAnomaly) => `size-bar-${anomaly ?? 'normal'}`;

function SizeBar(props: BarShapeProps) {
  const backup = props.payload as BackupPoint;
  const bar = (
    <rect
      x={props.x}
      y={props.y}
      width={Math.max(1, props.width)}
      height={props.height}
      className={`size-bar ${anomalyClass(backup.anomaly)}`}
      data-anomaly={backup.anomaly ?? 'none'}
    />
  );
  if (backup.anomaly === null) return bar;
  // A few-byte dump is a bar of no height: a marker above it keeps it visible among a year of backups.
  return (
    <g>
      {bar}
      <circle cx={props.x + props.width / 2} cy={props.y - 6} r={4} className={`marker ${anomalyClass(backup.anomaly)}`} />
    </g>
  );
}

function SizeTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const backup = active ? (payload?.[0]?.payload as BackupPoint | undefined) : undefined;
  if (!backup) return null;
  const problem = anomalyWords(backup);
  return (
    <div className="chart-tooltip">
      <div className="tooltip-key">{visibleText(backup.key)}</div>
      <div>
        {formatBytes(backup.sizeBytes)} · {dateTime(backup.finishedAt)}
      </div>
      {problem && <div className="loud">{visibleText(problem)}</div>}
    </div>
  );
}

export function BackupSizeChart({ backups, range }: { backups: BackupPoint[]; range: RangeId }) {
  const size = useChartSizeProps(220);
  const small = backups.filter((b) => b.anomaly === 'small').length;
  const unreadable = backups.filter((b) => b.anomaly === 'unreadable').length;
  const anomalies = backups.filter((b) => b.anomaly !== null).slice(-MAX_LISTED).reverse();
  const stand = small + unreadable;

  return (
    <ChartFrame
      title="Size per backup"
      testId="size-chart"
      points={backups.length}
      attributes={{ 'data-anomalies': stand }}
      summary={`${backups.length} backup${backups.length === 1 ? '' : 's'} in this range${stand ? `; ${stand} stand${stand === 1 ? 's' : ''} out` : ', none stands out'}.`}
      empty="No backups in this range."
      legend={
        <>
          <ul className="legend" data-testid="size-legend">
            <LegendItem className="size-bar-normal" label="Backup" />
            <LegendItem className="size-bar-small" label="Too small" count={small} />
            <LegendItem className="size-bar-unreadable" label="Unreadable" count={unreadable} />
          </ul>
          {anomalies.length > 0 && (
            <ul className="anomalies" data-testid="size-anomalies" aria-label="Backups that stand out, newest first">
              {anomalies.map((b) => (
                <li key={b.key} data-anomaly={b.anomaly ?? 'none'}>
                  <span className={`swatch ${anomalyClass(b.anomaly)}`} aria-hidden="true" />
                  <code>{visibleText(b.key)}</code> ({formatBytes(b.sizeBytes)}, {dateTime(b.finishedAt)}): {visibleText(anomalyWords(b) ?? '')}
                </li>
              ))}
            </ul>
          )}
        </>
      }
    >
      <BarChart {...size} data={backups} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} title="Size per backup" barCategoryGap="15%">
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="finishedAt" type="category" tickFormatter={timeTick(range)} minTickGap={24} />
        <YAxis tickFormatter={(bytes: number) => formatBytes(bytes)} width={64} />
        <Bar dataKey="sizeBytes" shape={SizeBar} minPointSize={3} isAnimationActive={false} name="Size" />
        <Tooltip isAnimationActive={false} content={SizeTooltip} cursor={{ className: 'chart-cursor' }} />
      </BarChart>
    </ChartFrame>
  );
}
