// The overview's line about databases (issue 15, coverage in the overview): how many are in each status and, for
// those that are not ok, which and why, linking to the Databases page. Nothing while no database is known.
import type { DatabaseSummary } from '../../shared/databases';
import { STATUS_SEVERITY } from '../../shared/model';
import { visibleText } from '../../shared/visible-text';
import { useDatabases } from '../hooks/useDatabases';
import { inheritedTroubles } from './DatabaseFacts';
import { href } from '../routes';
import { STATUS_WORD, databaseName } from '../words';

/** How many troubled databases the line names before "and N more". */
const NAMED = 3;

export function DatabaseCoverage() {
  const { data } = useDatabases();
  if (!data || data.databases.length === 0) return null;
  const troubled = data.databases.filter((d) => d.status !== 'ok');
  const counts = (['critical', 'unknown', 'warning', 'ok'] as const).filter((s) => data.counts[s] > 0).map((s) => `${data.counts[s]} ${STATUS_WORD[s].toLowerCase()}`);
  const worst = troubled[0]?.status ?? 'ok';
  return (
    <section className={`database-coverage coverage-${worst}`} data-testid="database-coverage" data-status={worst} aria-label="Databases">
      <p>
        <strong>{data.databases.length === 1 ? '1 database' : `${data.databases.length} databases`}</strong>: {counts.join(', ')}. <a href={href.databases()}>See the databases</a>
      </p>
      {troubled.length > 0 && (
        <ul>
          {troubled.slice(0, NAMED).map((d) => (
            <li key={d.key} data-testid="coverage-database" data-key={d.key}>
              <a href={href.database(d.key)}>{databaseName(d)}</a>
              {d.server ? ` on ${d.server.name}` : ''}: {visibleText(why(d))}
            </li>
          ))}
          {troubled.length > NAMED && <li className="muted">and {troubled.length - NAMED} more</li>}
        </ul>
      )}
    </section>
  );
}

/** Its own worst finding, else the first of what it inherits (its server's protection, a routine that is not ok). */
function why(d: DatabaseSummary): string {
  const own = [...d.findings].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status])[0];
  if (own && own.status !== 'ok') return own.message;
  return inheritedTroubles(d)[0] ?? '';
}
