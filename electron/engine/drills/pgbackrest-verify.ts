// Verifying a cluster restored from a pgBackRest backup: recovery has ended, every database connects, exact
// row counts of every user table, the user's checks. Every query is abortable: a cancelled drill stops
// waiting at once, and the cleanup that follows stops the server under the query.
import type { Client } from 'pg';
import type { DrillCheckResult, RestoredTable } from '../../../shared/model';
import { drillError, fail } from './restore-plan';
import { closeQuietly, connectScratch } from './scratch-client';
import type { ScratchCluster } from './scratch-cluster';
import { countTables, databaseSize, describeFailedCheck, runChecks, type DumpDrillCheck } from './verify';

export interface VerifyOptions {
  label: string;
  checks: readonly DumpDrillCheck[];
  /** Where the checks run; default: the only user database, else postgres. */
  checksDatabase?: string;
  signal: AbortSignal;
  remaining: () => number;
}

/** What verification found so far; kept when it stops on a failure, so the drill record shows it. */
export interface VerifiedCluster {
  tables: RestoredTable[];
  checks: DrillCheckResult[];
  restoredBytes: number | null;
}

/** Fills `into` as it goes; returns the databases verified, throws a DrillStop (fail) on the first verdict. */
export async function verifyRestoredCluster(cluster: ScratchCluster, options: VerifyOptions, into: VerifiedCluster): Promise<string[]> {
  const { label, signal } = options;
  const maintenance = await abortable(signal, connectScratch(cluster, 'template1'));
  let databases: string[];
  try {
    const recovery = await abortable(signal, maintenance.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'));
    if (recovery.rows[0]?.r !== false) throw fail(`${label} restored, but the cluster is still in recovery after it reported ready`);
    const listed = await abortable(signal, maintenance.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname'));
    databases = listed.rows.map((r) => r.datname);
  } finally {
    await closeQuietly(maintenance);
  }
  const checksDatabase = options.checksDatabase ?? (databases.filter((d) => d !== 'postgres').length === 1 ? databases.find((d) => d !== 'postgres')! : 'postgres');
  const problems: string[] = [];
  into.restoredBytes = 0;
  for (const database of databases) {
    signal.throwIfAborted();
    let client: Client;
    try {
      client = await abortable(signal, connectScratch(cluster, database));
    } catch (err) {
      if (signal.aborted) throw err;
      problems.push(`database ${database} does not accept connections after the restore: ${(err as Error).message}`);
      continue;
    }
    try {
      const tables = await abortable(signal, userTables(client));
      const counted = await abortable(signal, countTables(client, tables));
      // One drill restores a whole cluster: the database is part of the table's name.
      into.tables.push(...counted.map((t) => ({ ...t, schema: `${database}.${t.schema}` })));
      into.restoredBytes += await abortable(signal, databaseSize(client, database));
      if (database === checksDatabase) {
        const runs = await abortable(signal, runChecks(client, options.checks, options.remaining()));
        into.checks = runs.map((r) => r.result);
        for (const r of runs.filter((c) => !c.result.passed)) problems.push(describeFailedCheck(r));
      }
    } finally {
      await closeQuietly(client);
    }
  }
  if (options.checks.length > 0 && !databases.includes(checksDatabase)) problems.push(`the checks' database ${checksDatabase} is not in the restored cluster`);
  if (problems.length > 0) throw fail(problems.length === 1 ? problems[0]! : `${problems[0]} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`);
  return databases;
}

/** A query or connection we stop waiting for when the drill is cancelled; cleanup then stops the server under it. */
function abortable<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(drillError('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(drillError('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

async function userTables(client: Client): Promise<{ schema: string; name: string }[]> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
     ORDER BY 1, 2`,
  );
  return rows;
}
