// The verify phase of a dump drill: every table of the dump exists, exact row counts, the user's checks, what
// came back against what should have (drill-judgement.ts), and the live database's tables and row estimates
// (compareTo fails short tables; a linked source only warns). Returns the passing message or throws the verdict.
import { basename } from 'node:path';
import type { Client } from 'pg';
import type { RestoredTable } from '../../../shared/model';
import { countOf, formatBytes, formatDuration } from '../../../shared/units';
import { ProbeError } from '../errors';
import type { TableName } from '../pg-dump/script';
import { urlDatabase } from '../postgres/url';
import type { DrillFrame } from './drill-frame';
import { judgeAgainstLive, judgeRestoredDatabase, schemaOnlyProblem } from './drill-judgement';
import { RESTORE_ROLE } from './drill-roles';
import type { DrillRecord, DumpDrillOptions } from './dump-drill-record';
import { drillError, fail, type RestorePlan } from './restore-plan';
import { closeQuietly, connectAs, USER_CHECKS_SEARCH_PATH } from './scratch-client';
import type { ScratchCluster } from './scratch-cluster';
import { compareWithLive, countTables, databaseSize, describeFailedCheck, liveRowEstimates, runChecks, tableLabel, type LiveTable } from './verify';

/** The comparison with a linked (not compareTo) live database is optional: it waits this long at most. */
const LINKED_LIVE_TIMEOUT_MS = 15_000;

/**
 * The user's checks, in their own connection as the restore role: search_path pinned to pg_catalog first, then
 * public, so `select count(*) from orders` finds the user's table but never a count() the backup defined.
 */
async function runUserChecks(cluster: ScratchCluster, database: string, checks: DumpDrillOptions['checks'], frame: DrillFrame) {
  const client = await frame.abortable(connectAs(cluster, database, RESTORE_ROLE, USER_CHECKS_SEARCH_PATH));
  try {
    return await frame.abortable(runChecks(client, checks, frame.remaining()));
  } finally {
    await closeQuietly(client);
  }
}

export async function countWhatRestored(cluster: ScratchCluster, database: string, tables: TableName[], frame: DrillFrame): Promise<RestoredTable[]> {
  let client: Client | null = null;
  try {
    client = await frame.abortable(connectAs(cluster, database, RESTORE_ROLE));
    return await frame.abortable(countTables(client, tables));
  } catch {
    return [];
  } finally {
    await closeQuietly(client);
  }
}

export async function verifyDump(client: Client, plan: RestorePlan, record: DrillRecord, options: DumpDrillOptions, frame: DrillFrame, cluster: ScratchCluster): Promise<string> {
  const expected: TableName[] = plan.scanner.tables;
  const liveSource = options.compareTo?.source ?? options.linkedLive;
  const steps = expected.length + options.checks.length + (liveSource ? 1 : 0);
  record.tables = await frame.abortable(countTables(client, expected, (done) => record.progress(done, steps, 'counting rows')));
  record.restoredBytes = await frame.abortable(databaseSize(client, record.database));
  const checkRuns = options.checks.length ? await frame.abortable(runUserChecks(cluster, record.database, options.checks, frame)) : [];
  record.checks = checkRuns.map((c) => c.result);
  record.progress(expected.length + options.checks.length, steps, liveSource ? 'comparing with the live database' : undefined, true);

  const problems: string[] = [];
  // An archive's TOC was judged before the restore; a script says what it loads only once it has run.
  const schemaOnly = plan.plain ? schemaOnlyProblem('script', expected.length, plan.scanner.dataItems) : null;
  if (schemaOnly) problems.push(schemaOnly);
  const restoredAs = frame.evidence.database;
  const expect = options.expect ?? {};
  const judged = judgeRestoredDatabase(options.sourceId, restoredAs, record.tables, expect);
  if (!schemaOnly) problems.push(...judged.failures);
  const missing = record.tables.filter((t) => t.rows === null);
  if (missing.length > 0) {
    problems.push(`table ${tableLabel(missing[0]!)} is in the backup but missing after the restore${missing.length > 1 ? ` (${missing.length} tables missing)` : ''}`);
  }
  for (const run of checkRuns.filter((c) => !c.result.passed)) problems.push(describeFailedCheck(run));
  const warnings = schemaOnly ? [] : [...judged.warnings];
  const wrongDatabase = expect.database !== undefined && restoredAs !== null && restoredAs !== expect.database.name;
  let compared = '';
  if (liveSource && !wrongDatabase) {
    // The live database of the same name; a plain dump that does not say is taken to hold the expected one.
    const liveDatabase = restoredAs ?? expect.database?.name;
    const where = `the live database ${liveDatabase ?? urlDatabase(liveSource.url) ?? ''} on ${liveSource.id}`;
    let live: Map<string, LiveTable> | null = null;
    try {
      live = await liveRowEstimates(liveSource, liveDatabase, {
        signal: frame.signal,
        timeoutMs: Math.min(options.compareTo ? 60_000 : LINKED_LIVE_TIMEOUT_MS, frame.remaining()),
        secrets: options.secrets,
      });
    } catch (err) {
      if (frame.signal.aborted) throw err;
      const why = err instanceof ProbeError ? err.message : (err as Error).message;
      if (options.compareTo) {
        throw drillError(`the backup restored${problems.length ? ` with problems (${problems[0]})` : ' and verified'}, but the live database could not be asked for row counts: ${why}`);
      }
      // Only a doubt: the backups' source was named for comparison, not made a condition of passing.
      if (err instanceof ProbeError && err.code === 'not-found') warnings.push(`${liveSource.id} has no database ${liveDatabase}: a backup of another server, or of a database dropped since?`);
      else frame.note(`not compared with the live database on ${liveSource.id}: ${why}`);
    }
    if (live) {
      if (options.compareTo) {
        const { tolerance } = options.compareTo;
        const comparison = compareWithLive(record.tables, live, tolerance);
        record.tables = comparison.tables;
        const percent = `${Math.round(tolerance * 1000) / 10}%`;
        for (const { table, restored, live: liveRows } of comparison.short) {
          const fewer = Math.round((1 - restored / liveRows) * 100);
          problems.push(`${tableLabel(table)} has ${restored.toLocaleString('en-US')} rows in the backup but about ${liveRows.toLocaleString('en-US')} in the live database (${fewer}% fewer; tolerance ${percent})`);
        }
        compared = `; row counts within ${percent} of the live database`;
      } else {
        record.tables = compareWithLive(record.tables, live, 0).tables;
        compared = `; compared with ${where}`;
      }
      warnings.push(...judgeAgainstLive(record.tables, live, where, options.compareTo !== undefined));
    }
  }
  frame.evidence.warnings.push(...warnings);
  if (problems.length > 0) throw fail(problems.length === 1 ? problems[0]! : `${problems[0]} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`);

  const passedChecks = record.checks.length ? `; ${countOf(record.checks.length, 'check')} passed` : '';
  // The warnings themselves are the drill's evidence, listed wherever the drill is shown.
  const warned = warnings.length ? `; ${countOf(warnings.length, 'warning')}` : '';
  const took = seconds((record.phases.restore ?? 0) + record.inPhaseMs());
  // A plain dump without --create does not say which database it held: name the file instead.
  const what = plan.plain && !plan.createsOwnDatabase ? basename(options.backup.key) : record.database;
  return `restored ${what}: ${countOf(record.tables.length, 'table')}, ${countOf(record.rows, 'row')}, ${formatBytes(record.restoredBytes ?? 0)} in ${took} with PostgreSQL ${record.restoredWith}${passedChecks}${compared}${warned}`;
}


function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms);
}
