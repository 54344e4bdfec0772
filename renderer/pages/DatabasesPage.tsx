// Every database at a glance, worst first: which routines hold it and how they are, when it last came back in a
// drill, the best recovery point a drill proved, and why it is not ok (nothing holds it, objectives missed).
import { memo } from 'react';
import type { DatabaseSummary } from '../../shared/databases';
import { formatBytes } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { BestRecoveryPoint, DatabaseLastRestore, RoutineList, inheritedTroubles } from '../components/DatabaseFacts';
import { ErrorNotice } from '../components/ErrorNotice';
import { StatusBadge } from '../components/StatusBadge';
import { StatusCounts } from '../components/StatusCounts';
import { useDatabases } from '../hooks/useDatabases';
import { navigate } from '../hooks/useHashRoute';
import { useNow } from '../hooks/useNow';
import { useRenderedMark } from '../hooks/useRenderTiming';
import { href } from '../routes';
import { databaseName } from '../words';

export function DatabasesPage() {
  const databases = useDatabases();
  const now = useNow();
  const { data } = databases;
  useRenderedMark('databases', data);

  return (
    <section className="page databases" aria-labelledby="databases-title">
      <header className="page-header">
        <h1 id="databases-title">Databases</h1>
        {data && <StatusCounts counts={data.counts} of="Databases" />}
      </header>
      {databases.error && <ErrorNotice message={databases.error} onRetry={databases.refresh} />}
      {!data && !databases.error && <p className="muted">Loading…</p>}
      {data && data.databases.length === 0 && (
        <p className="first-run" data-testid="no-databases">
          No database known yet. Databases come from the PostgreSQL servers Backup Health watches (postgres sources) and from what backups hold:
          dump headers, pgBackRest stanzas, base backups, Barman servers. <a href={href.editSource()}>Add a source</a>.
        </p>
      )}
      {data && data.databases.length > 0 && (
        <table className="sources databases-table" data-testid="database-table">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Database</th>
              <th scope="col">Routines</th>
              <th scope="col">Last successful restore</th>
              <th scope="col">Best recovery point</th>
              <th scope="col">What is wrong</th>
            </tr>
          </thead>
          <tbody>
            {data.databases.map((database) => (
              <DatabaseRow key={database.key} database={database} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const DatabaseRow = memo(function DatabaseRow({ database, now }: { database: DatabaseSummary; now: number }) {
  const link = href.database(database.key);
  const name = databaseName(database);
  return (
    <tr className={`source-row row-${database.status}`} data-testid="database-row" data-key={database.key} data-status={database.status} onClick={() => navigate(link)}>
      <td>
        <StatusBadge status={database.status} testId="database-status" />
      </td>
      <th scope="row">
        <a href={link} onClick={(e) => e.stopPropagation()} data-testid="database-name" title={name}>
          {name}
        </a>
        <span className="kind">
          {database.server ? `on ${database.server.name}` : 'no known server'}
          {database.sizeBytes !== null && ` · ${formatBytes(database.sizeBytes)}`}
        </span>
      </th>
      <td>
        <RoutineList routines={database.routines} now={now} server={database.server} />
      </td>
      <td data-testid="database-restore">
        <DatabaseLastRestore database={database} now={now} />
      </td>
      <td data-testid="database-recovery-point">
        <BestRecoveryPoint database={database} />
      </td>
      <td className="finding" data-testid="database-findings">
        <WhatIsWrong database={database} />
      </td>
    </tr>
  );
});

/** Its own findings' messages; else the routines that are not ok; else that all is well. */
function WhatIsWrong({ database }: { database: DatabaseSummary }) {
  const findings = database.findings.filter((f) => f.status !== 'ok');
  if (findings.length > 0) {
    return (
      <ul className="findings">
        {findings.map((f, i) => (
          <li key={`${f.rule}-${i}`} data-rule={f.rule} className={`finding-${f.status}`}>
            {visibleText(f.message)}
          </li>
        ))}
      </ul>
    );
  }
  const troubled = inheritedTroubles(database);
  if (troubled.length > 0) return <>{visibleText(troubled.join('; '))}</>;
  return <>All checks pass</>;
}
