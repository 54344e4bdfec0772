// A database's facts in the words both the Databases page and its own page use: the routines that hold it, its
// last successful restore, the best recovery point a drill proved.
import { DEFAULT_DRILL_AGE_MS, type DatabaseRoutine, type DatabaseSummary, type ProvenRestore } from '../../shared/databases';
import { formatDuration } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { href } from '../routes';
import { OUTCOME_WORD, STATUS_WORD, ago, dateTime, sourceKindWord } from '../words';
import { StatusBadge } from './StatusBadge';

/** A routine as the list shows it: dumps kept in a bucket (its bucketUrl) read "pg_dump files in a bucket". */
export type ShownRoutine = DatabaseRoutine;

/**
 * Each routine with its status, kind, where it runs, and its newest backup; its name links to its source page. The
 * server's own protection (WAL archiving, standbys) follows when it is not ok: a routine too.
 */
export function RoutineList({ routines, now, detailed = false, server = null }: { routines: readonly ShownRoutine[]; now: number; detailed?: boolean; server?: DatabaseSummary['server'] }) {
  const serverItem = server && server.status !== 'ok' && (
    <li data-testid="server-protection" data-source={server.id}>
      <StatusBadge status={server.status} />{' '}
      <a href={href.source(server.id)} onClick={stopPropagation}>
        {server.name}
      </a>{' '}
      <span className="kind">{`WAL archiving and standbys: ${server.findings.map((f) => visibleText(f.message)).join('; ')}`}</span>
    </li>
  );
  if (routines.length === 0) return serverItem ? <ul className="routines">{serverItem}</ul> : <span className="loud">no routine holds it</span>;
  return (
    <ul className="routines">
      {serverItem}
      {routines.map((r) => (
        <li key={r.sourceId} data-testid="routine" data-source={r.sourceId}>
          <StatusBadge status={r.status} />{' '}
          <a href={href.source(r.sourceId)} onClick={stopPropagation}>
            {r.name}
          </a>{' '}
          {/* One text node each: the Databases page draws 600 of these at once. */}
          <span className="kind">{`${sourceKindWord(r.kind, r.bucketUrl)}${r.host ? ` on ${r.host}` : ''}${detailed ? (r.holds === 'cluster' ? ', the whole cluster' : ', dumps of it') : ''}`}</span>
          {r.newestBackupAt === null ? (
            <>
              {' · '}
              <span className="loud">no backups found</span>
            </>
          ) : (
            ` · newest ${ago(r.newestBackupAt, now)}`
          )}
          {detailed && <LastDrill routine={r} now={now} />}
        </li>
      ))}
    </ul>
  );
}

/** A routine's link opens its source, not the row's database. */
const stopPropagation = (e: { stopPropagation(): void }) => e.stopPropagation();

function LastDrill({ routine, now }: { routine: DatabaseRoutine; now: number }) {
  const drill = routine.lastDrill;
  if (!drill) return <span className="muted"> · never drilled</span>;
  return (
    <span className={drill.outcome === 'pass' ? undefined : 'loud'} data-testid="routine-last-drill">
      {' · '}last drill {OUTCOME_WORD[drill.outcome].toLowerCase()} {ago(drill.at, now)}
      {drill.outcome !== 'pass' && `: ${visibleText(drill.message)}`}
    </span>
  );
}

const routineName = (database: Pick<DatabaseSummary, 'routines'>, sourceId: string) => database.routines.find((r) => r.sourceId === sourceId)?.name ?? sourceId;

/** "2d ago from Nightly dumps · took 4m 12s", or loudly that no drill ever restored it. */
export function DatabaseLastRestore({ database, now }: { database: Pick<DatabaseSummary, 'routines' | 'lastRestore'>; now: number }) {
  const restore = database.lastRestore;
  if (!restore) return database.routines.length === 0 ? <span className="muted">—</span> : <span className="loud">never test-restored</span>;
  return (
    <>
      <span title={dateTime(restore.at)}>{ago(restore.at, now)}</span> from {routineName(database, restore.sourceId)}
      {restore.restoreMs !== null && <span className="muted"> · took {formatDuration(restore.restoreMs)}</span>}
    </>
  );
}

/** "5h (Nightly dumps)": the smallest recovery point a passing drill proved within drillAge. */
export function BestRecoveryPoint({ database }: { database: Pick<DatabaseSummary, 'routines' | 'bestRecoveryPoint' | 'objectives'> }) {
  const best: ProvenRestore | null = database.bestRecoveryPoint;
  if (!best || best.recoveryPointMs === null) {
    if (database.routines.length === 0) return <span className="muted">—</span>;
    return <span className="loud">none proven in {formatDuration(database.objectives?.drillAgeMs ?? DEFAULT_DRILL_AGE_MS)}</span>;
  }
  const over = database.objectives?.rpoMs != null && best.recoveryPointMs > database.objectives.rpoMs;
  return (
    <>
      <span className={over ? 'loud' : undefined}>{best.recoveryPointMs < 1000 ? 'under 1s' : formatDuration(best.recoveryPointMs)}</span>
      <span className="muted"> ({routineName(database, best.sourceId)})</span>
    </>
  );
}

/**
 * Why a database is not ok when no finding of its own says so: its server's protection (WAL archiving, standbys),
 * then each routine that is not ok, with its reason. The Databases page lists them all; the overview names the first.
 */
export function inheritedTroubles(database: Pick<DatabaseSummary, 'server' | 'routines'>): string[] {
  const server = database.server;
  return [
    ...(server && server.status !== 'ok' ? server.findings.map((f) => `${server.name}: ${f.message}`) : []),
    ...database.routines.filter((r) => r.status !== 'ok').map((r) => `${r.name} is ${STATUS_WORD[r.status].toLowerCase()}${r.finding ? `: ${r.finding}` : ''}`),
  ];
}
