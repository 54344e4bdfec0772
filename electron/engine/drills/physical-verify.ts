// Verifying a cluster restored from a physical backup (pgBackRest, a base backup): recovery has ended, every database connects, exact
// row counts of every user table, the user's checks. Every query is abortable: a cancelled drill stops
// waiting at once, and the cleanup that follows stops the server under the query.
//
// The restored catalog is the backup's own, so the superuser only connects to template1, with its settings
// pinned, to make an unprivileged verifier role; every restored database is then read as that role, with
// search_path pinned and every name qualified, so nothing the backup defined runs with power.
import type { Client } from 'pg';
import type { DrillCheckResult, RestoredTable } from '../../../shared/model';
import { drillError, fail } from './restore-plan';
import { RESTORE_ROLE } from './drill-roles';
import { closeQuietly, connectAs, connectScratch, quoteIdent, USER_CHECKS_SEARCH_PATH } from './scratch-client';
import type { ScratchCluster } from './scratch-cluster';
import type { DrillFrame } from './drill-frame';
import { countTables, databaseSize, describeFailedCheck, runChecks, type DumpDrillCheck } from './verify';
import { judgeRestoredDatabase, type DrillExpectations } from './drill-judgement';

export interface VerifyOptions {
  sourceId: string;
  label: string;
  checks: readonly DumpDrillCheck[];
  /** Where the checks run; default: the only user database, else postgres. */
  checksDatabase?: string;
  /** The database the cluster must hold (the linked postgres source's), drill.minRows and drill.minTables. */
  expect?: DrillExpectations;
}

/** What verification needs of the drill's frame: its signal, time left, and waiting that stops with the drill. */
export type VerifyTime = Pick<DrillFrame, 'signal' | 'remaining' | 'abortable'>;

/** What verification found so far; kept when it stops on a failure, so the drill record shows it. */
export interface VerifiedCluster {
  tables: RestoredTable[];
  checks: DrillCheckResult[];
  restoredBytes: number | null;
  /** What the drill found doubtful without failing it. */
  warnings: string[];
}

/** Fills `into` as it goes; returns the databases verified, throws a DrillStop (fail) on the first verdict. */
export async function verifyRestoredCluster(cluster: ScratchCluster, options: VerifyOptions, frame: VerifyTime, into: VerifiedCluster): Promise<string[]> {
  const { label } = options;
  const { signal } = frame;
  const maintenance = await frame.abortable(connectScratch(cluster, 'template1'));
  let databases: string[];
  try {
    const recovery = await frame.abortable(maintenance.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'));
    if (recovery.rows[0]?.r !== false) throw fail(`${label} restored, but the cluster is still in recovery after it reported ready`);
    const listed = await frame.abortable(maintenance.query<{ datname: string }>('SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname'));
    databases = listed.rows.map((r) => r.datname);
    await frame.abortable(createVerifier(maintenance, databases));
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
      client = await frame.abortable(connectAs(cluster, database, RESTORE_ROLE));
    } catch (err) {
      if (signal.aborted) throw err;
      problems.push(`database ${database} does not accept connections after the restore: ${(err as Error).message}`);
      continue;
    }
    try {
      const tables = await frame.abortable(userTables(client));
      const counted = await frame.abortable(countTables(client, tables));
      // One drill restores a whole cluster: the database is part of the table's name.
      into.tables.push(...counted.map((t) => ({ ...t, schema: `${database}.${t.schema}` })));
      into.restoredBytes += await frame.abortable(databaseSize(client, database));
      if (database === checksDatabase && options.checks.length > 0) {
        const checking = await frame.abortable(connectAs(cluster, database, RESTORE_ROLE, USER_CHECKS_SEARCH_PATH));
        const runs = await frame.abortable(runChecks(checking, options.checks, frame.remaining())).finally(() => closeQuietly(checking));
        into.checks = runs.map((r) => r.result);
        for (const r of runs.filter((c) => !c.result.passed)) problems.push(describeFailedCheck(r));
      }
    } finally {
      await closeQuietly(client);
    }
  }
  if (options.checks.length > 0 && !databases.includes(checksDatabase)) problems.push(`the checks' database ${checksDatabase} is not in the restored cluster`);
  // A physical backup restores every database: the expected one must be among them, and something in them.
  const expected = options.expect?.database;
  if (expected && !databases.includes(expected.name)) {
    problems.unshift(`the restored cluster has no database ${expected.name} (${expected.from}), only ${databases.join(', ')} — is this stanza backing up another server?`);
  }
  const judged = judgeRestoredDatabase(options.sourceId, null, into.tables, { ...options.expect, database: undefined });
  problems.push(...judged.failures);
  into.warnings.push(...judged.warnings);
  if (problems.length > 0) throw fail(problems.length === 1 ? problems[0]! : `${problems[0]} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`);
  return databases;
}

/** The unprivileged role verification reads as (the backup may have a role of that name: it is made harmless). */
async function createVerifier(superuser: Client, databases: readonly string[]): Promise<void> {
  const role = quoteIdent(RESTORE_ROLE);
  const { rowCount } = await superuser.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [RESTORE_ROLE]);
  await superuser.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS`);
  const readAll = await superuser.query(`SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_read_all_data'`);
  if (readAll.rowCount) await superuser.query(`GRANT pg_read_all_data TO ${role}`);
  for (const database of databases) await superuser.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${role}`);
}

async function userTables(client: Client): Promise<{ schema: string; name: string }[]> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])
       AND NOT n.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema']::pg_catalog.name[])
       AND NOT n.nspname::pg_catalog.text OPERATOR(pg_catalog.~~) 'pg\\_toast%'
     ORDER BY 1, 2`,
  );
  return rows;
}
