// One database over time: its objectives and findings, every routine that holds it (each linking to its source),
// the age of its newest backup of any routine, on one time axis each routine's backups and the drills that
// restored it, then what those drills proved.
import type { RangeId } from '../../shared/api';
import type { DatabaseObjectives, DatabaseSummary } from '../../shared/databases';
import { formatBytes, formatDuration } from '../../shared/units';
import { BackupAgeChart } from '../charts/BackupAgeChart';
import { DatabaseRecoveryChart } from '../charts/DatabaseRecoveryChart';
import { DatabaseTimelineChart, LANE_LABEL_WIDTH } from '../charts/DatabaseTimelineChart';
import { BestRecoveryPoint, DatabaseLastRestore, RoutineList } from '../components/DatabaseFacts';
import { ErrorNotice } from '../components/ErrorNotice';
import { ExportEvidenceButton } from '../components/ExportEvidence';
import { FindingList } from '../components/FindingList';
import { RangeSelector } from '../components/RangeSelector';
import { StatusBadge } from '../components/StatusBadge';
import { useDatabase } from '../hooks/useDatabases';
import { useNow } from '../hooks/useNow';
import { useRenderedMark } from '../hooks/useRenderTiming';
import { href } from '../routes';
import { databaseName } from '../words';

/** `databaseKey` is DatabaseSummary.key, from the address (#/database/<key>?range=7d). */
export function DatabasePage({ databaseKey, range = '30d' }: { databaseKey: string; range?: RangeId }) {
  const setRange = (next: RangeId) => {
    window.location.hash = href.database(databaseKey, next);
  };
  const database = useDatabase(databaseKey, range);
  const now = useNow();
  const detail = database.data;
  useRenderedMark('database', detail);

  if (!detail) {
    return (
      <section className="page database-page">
        <a href={href.databases()}>← All databases</a>
        {database.error ? <ErrorNotice message={database.error} onRetry={database.refresh} /> : <p className="muted">Loading…</p>}
      </section>
    );
  }

  const { summary } = detail;
  return (
    <section className="page database-page" aria-labelledby="database-title" data-testid="database-page" aria-busy={database.loading}>
      <a href={href.databases()}>← All databases</a>
      <header className="page-header">
        <h1 id="database-title">{databaseName(summary)}</h1>
        <StatusBadge status={summary.status} testId="database-status" />
        <span className="kind" data-testid="database-server">
          {summary.server ? (
            <>
              on <a href={href.source(summary.server.id)}>{summary.server.name}</a>
            </>
          ) : (
            'no known server'
          )}
          {summary.sizeBytes !== null && ` · ${formatBytes(summary.sizeBytes)}`}
        </span>
        <span className="spacer" />
        <ExportEvidenceButton selection={{ databases: [summary.key] }} covers={`the database ${summary.label}`} />
      </header>
      {database.error && <ErrorNotice message={database.error} onRetry={database.refresh} />}

      <section aria-labelledby="objectives-title">
        <h2 id="objectives-title">Recovery objectives</h2>
        <Objectives summary={summary} />
      </section>

      <section aria-labelledby="findings-title">
        <h2 id="findings-title">Findings</h2>
        <FindingList findings={summary.findings} />
      </section>

      <section aria-labelledby="routines-title">
        <h2 id="routines-title">Routines that hold it</h2>
        <RoutineList routines={summary.routines} now={now} detailed server={summary.server} />
        <p data-testid="database-facts">
          Last successful restore: <DatabaseLastRestore database={summary} now={now} />. Best proven recovery point: <BestRecoveryPoint database={summary} />.
        </p>
      </section>

      <div className="range-bar">
        <h2>History</h2>
        <RangeSelector range={range} onChange={setRange} />
      </div>
      <BackupAgeChart series={detail.ageSeries} maxAgeMs={null} from={detail.from} to={detail.to} range={detail.range} yAxisWidth={LANE_LABEL_WIDTH} />
      <DatabaseTimelineChart routines={summary.routines} backups={detail.backups} drills={detail.drills} from={detail.from} to={detail.to} range={detail.range} />
      <DatabaseRecoveryChart routines={summary.routines} drills={detail.drills} objectives={summary.objectives} from={detail.from} to={detail.to} range={detail.range} />
    </section>
  );
}

function Objectives({ summary }: { summary: DatabaseSummary }) {
  const objectives: DatabaseObjectives | null = summary.objectives;
  if (!objectives) {
    return (
      <p className="muted" data-testid="objectives">
        None set.{' '}
        {summary.server && summary.name !== null
          ? `List it under databases: in the config file (name: ${summary.name}, server: ${summary.server.id}) with an rpo, an rto and a drillAge to have them judged.`
          : 'Objectives are set per database of a server Backup Health watches: link its routines to a postgres source with database:.'}
      </p>
    );
  }
  return (
    <ul className="objectives" data-testid="objectives">
      <li data-testid="objective-rpo">rpo: {objectives.rpoMs === null ? 'not set' : formatDuration(objectives.rpoMs)}</li>
      <li data-testid="objective-rto">rto: {objectives.rtoMs === null ? 'not set' : formatDuration(objectives.rtoMs)}</li>
      <li data-testid="objective-drill-age">a drill proves them within {formatDuration(objectives.drillAgeMs)}</li>
    </ul>
  );
}
