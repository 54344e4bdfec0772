// A restore drill of one pg_dump backup: restore it into a throwaway cluster and prove it is a database.
//
//   prepare  read the header again; pick binaries able to restore it (or say which to install); read the
//            archive's table of contents and schema; check free space (all in restore-plan.ts, before any
//            cluster exists); start a ScratchCluster; create the roles the dump refers to and the database
//   restore  pg_restore -j N (custom, directory, tar) or psql ON_ERROR_STOP (plain, .sql.gz), with progress
//   verify   exit status and errors; every table of the dump exists; exact row counts; the user's checks;
//            what came back against what should have (drill-judgement.ts: schema-only, nothing, the wrong
//            database, minTables/minRows fail; doubts are warnings); the live database's tables and row
//            estimates (compareTo fails short tables; a linked source only warns)
//   cleanup  the cluster is stopped and its directory removed, whatever happened
//
// Every outcome is a Drill value: pass, fail (the backup is bad) or error (the drill could not tell), with
// one message saying what to do. Only a bug in this file could make it throw.
import { basename, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import type { Client } from 'pg';
import type { PostgresSourceConfig } from '../../../shared/config';
import type { Drill, DrillCheckResult, DrillPhase, ObservedBackup, RestoredTable } from '../../../shared/model';
import { countOf, formatBytes, formatDuration } from '../../../shared/units';
import { describeFailure, type RunResult } from '../exec';
import type { ProbeSecrets } from '../secrets';
import { ProbeError } from '../errors';
import { urlDatabase } from '../postgres/url';
import type { TableName } from '../pg-dump/script';
import type { PostgresInstall } from './postgres-install';
import { restoreArchive } from './restore-archive';
import { classifyRestoreOutput, type RestoreProblem } from './restore-errors';
import { restorePlain } from './restore-plain';
import { checkFreeSpace, DrillStop, drillError, fail, planRestore, type RestorePlan } from './restore-plan';
import { closeQuietly, connectAs, connectScratch, USER_CHECKS_SEARCH_PATH } from './scratch-client';
import { jailForDrill, type DrillJail } from './drill-jail';
import { createAllowedExtensions, createDumpRoles, createRestoreDatabase, createRestoreRole, DEFAULT_EXTENSION_ALLOWLIST, RESTORE_ROLE } from './drill-roles';
import { describeRefusal, findRefusal } from './restore-refusals';
import { removeTree } from './remove-tree';
import { ScratchCluster } from './scratch-cluster';
import { runDrill, type DrillFrame } from './drill-frame';
import { compareWithLive, countTables, databaseSize, describeFailedCheck, liveRowEstimates, runChecks, tableLabel, type DrillRunOptions, type LiveTable } from './verify';
import { judgeAgainstLive, judgeRestoredDatabase, schemaOnlyProblem, tableDataItems, type DrillExpectations } from './drill-judgement';

export type { DumpDrillCheck } from './verify';

export interface DumpDrillOptions extends DrillRunOptions {
  /** key = path of the dump file or directory; meta.header as pg-dump/identify.ts read it (read again here). */
  backup: ObservedBackup;
  /** pg_restore -j (custom and directory archives; tar and plain restore with one). */
  jobs: number;
  /** Fail tables whose restored count is below the live estimate by more than tolerance (0.05 = 5%). */
  compareTo?: { source: PostgresSourceConfig; tolerance: number };
  /**
   * The postgres source the backups come from (the source's `database` link), when there is no compareTo:
   * its live tables are compared with the restored ones, as warnings only (drill-judgement.ts).
   */
  linkedLive?: PostgresSourceConfig;
  /** What the restored database must be and hold (drill-judgement.ts). */
  expect?: DrillExpectations;
  /** Passwords the desktop app keeps, for compareTo against a source with passwordStored. */
  secrets?: ProbeSecrets;
  /** Where to look for installations instead of /usr/lib/postgresql/*\/bin and PATH. */
  searchDirs?: readonly string[];
  /** Untrusted extensions the drill may create when a dump asks (default DEFAULT_EXTENSION_ALLOWLIST). */
  extensionAllowlist?: readonly string[];
}

/** The comparison with a linked (not compareTo) live database is optional: it waits this long at most. */
const LINKED_LIVE_TIMEOUT_MS = 15_000;
/** Where the drill connects to create roles and databases (never a database a dump restores into). */
const MAINTENANCE_DB = 'template1';
/**
 * Server settings for a restore: no WAL for a parallel restore's COPY (it truncates in the same transaction)
 * or index builds, no autovacuum competing with the restore.
 */
const RESTORE_SETTINGS = { wal_level: 'minimal', max_wal_senders: '0', archive_mode: 'off', autovacuum: 'off', maintenance_work_mem: '128MB' };

/**
 * The dump steps' view of the frame (drill-frame.ts): its phases, progress and evidence under the names the
 * steps below use, and the database the dump goes into.
 */
class DrillRecord {
  database = 'restored';
  /** The frame's phases when this dump's steps began: a restic or borg drill has already timed its extraction. */
  private readonly before: Partial<Record<DrillPhase, number>>;

  constructor(private readonly frame: DrillFrame) {
    this.before = { ...frame.phases };
  }

  get phase(): DrillPhase {
    return this.frame.phase;
  }

  enter(phase: DrillPhase, total = 0): void {
    this.frame.enter(phase, total);
  }

  inPhaseMs(): number {
    return this.frame.inPhaseMs();
  }

  progress(done: number, total: number, detail?: string, force = false): void {
    this.frame.progress(done, total, { detail, force });
  }

  /** This dump's own phase times, not the extraction's before it. */
  get phases(): Partial<Record<DrillPhase, number>> {
    const own: Partial<Record<DrillPhase, number>> = {};
    for (const [phase, ms] of Object.entries(this.frame.phases) as [DrillPhase, number][]) own[phase] = ms - (this.before[phase] ?? 0);
    return own;
  }

  get tables(): RestoredTable[] {
    return this.frame.evidence.tables;
  }
  set tables(tables: RestoredTable[]) {
    this.frame.evidence.tables = tables;
  }
  get checks(): DrillCheckResult[] {
    return this.frame.evidence.checks;
  }
  set checks(checks: DrillCheckResult[]) {
    this.frame.evidence.checks = checks;
  }
  get restoredBytes(): number | null {
    return this.frame.evidence.restoredBytes;
  }
  set restoredBytes(bytes: number | null) {
    this.frame.evidence.restoredBytes = bytes;
  }
  get restoredWith(): string | null {
    return this.frame.evidence.restoredWith;
  }
  set restoredWith(version: string | null) {
    this.frame.evidence.restoredWith = version;
  }

  get rows(): number {
    return this.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  }
}

/** Runs one drill. Never throws for anything a backup or a machine can do; see the header comment. */
export function runDumpDrill(options: DumpDrillOptions): Promise<Drill> {
  return runDrill({ ...options, backupKey: options.backup.key }, (frame) => restoreDump(frame, options));
}

/**
 * The dump drill's steps in a frame: its own (runDumpDrill), or that of a drill that found the dump elsewhere
 * (in a restic snapshot, a borg archive, a copy from another host), whose clock, phases and cleanup it shares.
 * Only the steps' settings of `options` apply; the frame's deadline, progress and clock are the frame's.
 * Returns the passing message; throws what stopped it (the frame turns it into the outcome).
 */
export async function restoreDump(frame: DrillFrame, options: DumpDrillOptions): Promise<string> {
  const scratch: { cluster: ScratchCluster | null } = { cluster: null };
  frame.onCleanup(
    () => `the scratch cluster in ${scratch.cluster?.dir}`,
    () => scratch.cluster?.stop(),
  );
  return drill(options, new DrillRecord(frame), scratch, frame);
}

async function drill(options: DumpDrillOptions, record: DrillRecord, scratch: { cluster: ScratchCluster | null }, frame: DrillFrame): Promise<string> {
  const parentDir = options.parentDir ?? tmpdir();
  record.enter('prepare');
  const jail = await jailForDrill(frame, parentDir, `restore drill of ${options.backup.key}`);
  // The scratch cluster starts as soon as the binaries are chosen, while the archive's TOC and schema are read.
  const early: { starting: Promise<ScratchCluster> | null } = { starting: null };
  const onInstall = (install: PostgresInstall, dumpBytes: number) => {
    checkFreeSpace(parentDir, dumpBytes);
    early.starting = startCluster(install, jail, options.backup.key);
    early.starting.then((started) => (scratch.cluster = started), () => {});
  };
  const onStagedBytes = (bytes: number) => record.progress(bytes, options.backup.sizeBytes, 'copying the backup where the drill user can read it');
  const plan = await planRestore({ ...options, jail, onStagedBytes, onInstall }, frame).catch(async (err: unknown) => {
    await early.starting?.catch(() => {}); // so the cleanup finds it, and stops it
    throw err;
  });
  record.database = plan.database;
  // The database as the backup names it: a plain dump without --create does not say (restored as "restored").
  frame.evidence.database = plan.archive ? (plan.database === 'restored' ? null : plan.database) : plan.createsOwnDatabase ? plan.database : null;
  const schemaOnly = plan.archive ? schemaOnlyProblem('archive', plan.scanner.tables.length, tableDataItems(plan.entries)) : null;
  if (schemaOnly) {
    await early.starting?.catch(() => {}); // so the cleanup finds it, and stops it
    throw fail(schemaOnly);
  }
  const cluster = await (early.starting ?? startCluster(plan.install, jail, options.backup.key));
  scratch.cluster = cluster;
  frame.throwIfStopped();
  record.restoredWith = plan.install.version.split(' ')[0] ?? plan.install.version;
  const maintenance = await frame.abortable(connectScratch(cluster, MAINTENANCE_DB));
  try {
    await prepareDatabase(cluster, maintenance, plan, record, options, frame);

    record.enter('restore', plan.total);
    const problem = plan.archive ? await restoreFromArchive(cluster, plan, record, options, frame) : await restoreFromScript(cluster, plan, record, maintenance, frame);
    const restoreFailure = problem ? judgeRestore(problem, parentDir) : null;
    if (restoreFailure?.outcome === 'error') throw restoreFailure;
    if (!restoreFailure) record.progress(plan.total, plan.total, undefined, true);

    record.enter('verify');
    if (restoreFailure) {
      // Still count what did restore: how far it got tells the sysadmin what the backup is worth.
      record.tables = await countWhatRestored(cluster, record.database, plan.scanner.tables, frame);
      if (record.tables.length === 0) throw restoreFailure;
      const found = record.tables.filter((t) => t.rows !== null).length;
      throw fail(`${restoreFailure.message} (before it stopped: ${found} of ${countOf(record.tables.length, 'table')}, ${countOf(record.rows, 'row')})`);
    }
    let client: Client;
    try {
      // Never as the superuser: the restored database may carry settings and objects meant to run as one.
      client = await frame.abortable(connectAs(cluster, record.database, RESTORE_ROLE));
    } catch (err) {
      if (err instanceof DrillStop) throw err;
      throw fail(`the restore finished, but the database ${record.database} cannot be opened: ${(err as Error).message}`);
    }
    try {
      return await verify(client, plan, record, options, frame, cluster);
    } finally {
      await closeQuietly(client);
    }
  } finally {
    await closeQuietly(maintenance);
  }
}

// ---------------------------------------------------------------------------------------------------------
// prepare

async function startCluster(install: PostgresInstall, jail: DrillJail, key: string): Promise<ScratchCluster> {
  try {
    return await ScratchCluster.start({ install, jail, purpose: `restore drill of ${key}`, settings: RESTORE_SETTINGS });
  } catch (err) {
    const text = (err as Error).message;
    if (/No space left on device/i.test(text)) throw drillError(`no space left in ${dirname(jail.dir)} to start a scratch cluster: ${text}`);
    throw drillError(`could not start a scratch PostgreSQL ${install.major}: ${text}`);
  }
}

/**
 * As the cluster's superuser, before any SQL of the backup runs (drill-roles.ts): the restore role, the dump's
 * roles, the database (owned by the restore role), and the allowed untrusted extensions in it. An untrusted
 * extension outside the allowlist is refused here, by name.
 */
async function prepareDatabase(cluster: ScratchCluster, maintenance: Client, plan: RestorePlan, record: DrillRecord, options: DumpDrillOptions, frame: DrillFrame): Promise<void> {
  await frame.abortable(createRestoreRole(maintenance));
  await frame.abortable(createDumpRoles(maintenance, plan.scanner.roles, cluster.superuser));
  if (record.database === 'postgres') await frame.abortable(maintenance.query('DROP DATABASE postgres'));
  await frame.abortable(createRestoreDatabase(maintenance, record.database, plan.scanner.encoding, cluster.install.major));
  if (plan.extensions.length === 0) return;
  const inDatabase = await frame.abortable(connectScratch(cluster, record.database));
  try {
    const refused = await frame.abortable(createAllowedExtensions(inDatabase, plan.extensions, options.extensionAllowlist ?? DEFAULT_EXTENSION_ALLOWLIST));
    if (refused.length > 0) {
      throw fail(
        `${describeRefusal({ attempt: `create the untrusted extension ${refused.join(', ')}`, item: `EXTENSION ${refused[0]}` })}; if this machine should trust it, add it to defaults.drillExtensions in the config file`,
      );
    }
  } finally {
    await closeQuietly(inDatabase);
  }
}

// ---------------------------------------------------------------------------------------------------------
// restore

async function restoreFromArchive(cluster: ScratchCluster, plan: RestorePlan, record: DrillRecord, options: DumpDrillOptions, frame: DrillFrame): Promise<RestoreProblem | null> {
  const restored = await restoreArchive(cluster, plan.archive!, {
    signal: frame.signal,
    timeoutMs: frame.remaining(),
    database: record.database,
    jobs: options.jobs,
    entries: plan.entries,
    leakproof: plan.leakproof,
    onItem: (done, item) => record.progress(Math.min(done, plan.total), plan.total, `restoring ${item}`),
  });
  frame.throwIfStopped();
  if (frame.evidence.safety) frame.evidence.safety.skipped = restored.skipped;
  const refusal = findRefusal(restored.problems);
  if (refusal) throw fail(describeRefusal(refusal));
  return judgeTool(restored.result, restored.problems, cluster);
}

async function restoreFromScript(cluster: ScratchCluster, plan: RestorePlan, record: DrillRecord, maintenance: Client, frame: DrillFrame): Promise<RestoreProblem | null> {
  const restored = await restorePlain(cluster, plan.plain!, {
    signal: frame.signal,
    timeoutMs: frame.remaining(),
    database: record.database,
    createsOwnDatabase: plan.createsOwnDatabase,
    ensureRoles: (roles) => createDumpRoles(maintenance, roles, cluster.superuser).catch(() => {}),
    onBytes: (bytes, detail) => record.progress(Math.min(bytes, plan.total), plan.total, detail ? `restoring ${detail}` : undefined),
  });
  frame.throwIfStopped();
  plan.scanner = restored.scanner;
  if (frame.evidence.safety) frame.evidence.safety.skipped = restored.skipped;
  if (restored.refusal) throw fail(restored.refusal);
  const { result } = restored;
  const refused = findRefusal(result.stderr);
  if (refused) throw fail(describeRefusal({ ...refused, item: (refused.scriptLine && restored.entryAt(refused.scriptLine)) || refused.item }));
  if (result.inputError) {
    const why = result.inputError.message;
    return { kind: 'corrupt', line: plan.plain!.gzipped ? `the gzip data is cut short or damaged (${why})` : `reading it failed (${why})` };
  }
  const problem = judgeTool(result, result.stderr, cluster);
  if (problem) return problem;
  if (!restored.scanner.complete) {
    return { kind: 'corrupt', line: 'the SQL ends before pg_dump\'s closing line "-- PostgreSQL database dump complete"' };
  }
  return null;
}

/** A finished tool's result as a problem, or null when it restored cleanly. */
function judgeTool(result: RunResult, problems: string, cluster: ScratchCluster): RestoreProblem | null {
  if (result.spawnError || result.timedOut) return { kind: 'server-gone', line: describeFailure(result) };
  if (result.code === 0 && !/\b(error|ERROR|FATAL|PANIC):/.test(problems)) return null;
  return classifyRestoreOutput(problems, serverLog(cluster)) ?? { kind: 'sql', line: describeFailure(result) };
}

function serverLog(cluster: ScratchCluster): string {
  return cluster.logTail(50).split(' | ').join('\n');
}

/** The drill's verdict on a restore that went wrong. */
function judgeRestore(problem: RestoreProblem, parentDir: string): DrillStop {
  const where = problem.context ? ` (at ${problem.context})` : '';
  const more = problem.errorCount && problem.errorCount > 1 ? `; ${problem.errorCount} errors in all` : '';
  switch (problem.kind) {
    case 'no-space':
      return drillError(`no space left in ${parentDir} while restoring: ${problem.line}; free some space or put drills on a larger disk`);
    case 'corrupt':
      return fail(`the backup is truncated or corrupt: ${problem.line}${where}`);
    case 'unsupported-version':
      return drillError(`the restore needs a newer pg_restore: ${problem.line}`);
    case 'environment':
      return drillError(`${problem.hint}: ${problem.line}`);
    case 'server-gone':
      return drillError(`the scratch PostgreSQL stopped during the restore: ${problem.line}`);
    case 'sql':
      return fail(`the backup does not restore cleanly: ${problem.line}${where}${more}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// verify

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

async function countWhatRestored(cluster: ScratchCluster, database: string, tables: TableName[], frame: DrillFrame): Promise<RestoredTable[]> {
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

async function verify(client: Client, plan: RestorePlan, record: DrillRecord, options: DumpDrillOptions, frame: DrillFrame, cluster: ScratchCluster): Promise<string> {
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
