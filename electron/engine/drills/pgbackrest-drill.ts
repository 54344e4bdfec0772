// A restore drill of one pgBackRest backup set: a physical restore into a throwaway cluster, proven to be a
// working PostgreSQL.
//
//   prepare  pick the PostgreSQL binaries of the backup's major (a physical backup needs exactly that one)
//   restore  pgbackrest restore --set=<label> --type=immediate --target-action=promote into a new scratch
//            data directory (tablespaces mapped inside it), then start it: it replays the archived WAL the
//            backup needs to be consistent (restore_command = pgbackrest archive-get) and promotes
//   verify   recovery ended (pg_is_in_recovery() false); every database connects; exact row counts of every
//            user table; the user's checks
//   cleanup  the cluster is stopped and its directory removed, whatever happened
//
// The scratch cluster never writes into the real stanza or the real cluster: archive_mode is off, every
// pgbackrest call names the scratch data directory as pg1-path, and no TCP listener is opened. pgbackrest
// runs as the cluster's user (postgres when Backup Health runs as root), who must be able to read the
// pgBackRest config and repository.
import { existsSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { PgBackRestSourceConfig } from '../../../shared/config';
import type { Drill, DrillCheckResult, DrillOutcome, DrillPhase, DrillProgress, ObservedBackup, RestoredTable } from '../../../shared/model';
import { countOf, formatBytes, formatDuration } from '../../../shared/units';
import { describeFailure, run } from '../exec';
import { shellQuote } from '../remote';
import { PGBACKREST, pgbackrestOptions } from '../probes/pgbackrest';
import { findPostgresInstalls, type PostgresInstall } from './postgres-install';
import { DrillStop, drillError, fail } from './restore-plan';
import { closeQuietly, connectScratch } from './scratch-client';
import { ScratchCluster } from './scratch-cluster';
import { countTables, databaseSize, describeFailedCheck, runChecks, type DumpDrillCheck } from './verify';

export interface PgBackRestDrillOptions {
  sourceId: string;
  source: Pick<PgBackRestSourceConfig, 'stanza' | 'configPath' | 'repo'>;
  /** key = the backup label; meta.pgVersion and meta.repoKey as the probe recorded them. */
  backup: ObservedBackup;
  checks: DumpDrillCheck[];
  /** Where the checks run; default: the only user database, else postgres. */
  checksDatabase?: string;
  postgresBin?: string;
  parentDir?: string;
  signal?: AbortSignal;
  /** The whole drill (default 2 h). */
  timeoutMs?: number;
  onProgress?: (p: DrillProgress) => void;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 2 * 60 * 60 * 1000;

/**
 * Settings that override the restored postgresql.conf: nothing leaves the scratch cluster (no archiving into
 * the real repository, no end-of-recovery commands, no external pid file), the source's own pg_hba.conf and
 * memory sizing do not apply, and without hot standby recovery does not insist on the source's max_connections.
 */
function scratchSettings(cluster: ScratchCluster, restoreCommand: string): Record<string, string> {
  return {
    archive_mode: 'off',
    restore_command: restoreCommand,
    recovery_end_command: '',
    archive_cleanup_command: '',
    primary_conninfo: '',
    hot_standby: 'off',
    external_pid_file: '',
    ssl: 'off',
    shared_buffers: '128MB',
    hba_file: join(cluster.dir, 'pg_hba.conf'),
    ident_file: join(cluster.dir, 'pg_ident.conf'),
  };
}

/** Runs one drill; every outcome is a Drill value (pass, fail: the backup is bad, error: the drill could not run). */
export async function runPgBackRestDrill(options: PgBackRestDrillOptions): Promise<Drill> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  const state: DrillState = { phase: 'prepare', phases: {}, phaseStarted: performance.now(), tables: [], checks: [], restoredBytes: null, restoredWith: null, cluster: null };
  const remaining = () => Math.max(1000, deadline - performance.now());
  let outcome: DrillOutcome = 'pass';
  let message: string;
  try {
    message = await drill(options, state, signal, remaining);
  } catch (err) {
    outcome = 'error';
    if (signal.aborted) {
      message = options.signal?.aborted ? `the drill was cancelled during the ${state.phase} phase` : `the drill did not finish within ${formatDuration(timeoutMs)} (stopped during the ${state.phase} phase)`;
    } else if (err instanceof DrillStop) {
      outcome = err.outcome;
      message = err.message;
    } else {
      message = `the drill itself failed during the ${state.phase} phase: ${(err as Error)?.message ?? String(err)}`;
    }
  } finally {
    clearTimeout(timer);
  }
  const restoreStarted = state.phases.restore !== undefined || state.phase !== 'prepare';
  enter(state, 'cleanup', options);
  try {
    await state.cluster?.stop();
  } catch (err) {
    message = `${message} (and the scratch cluster in ${state.cluster?.dir} could not be removed: ${(err as Error).message})`;
  }
  enter(state, 'cleanup', options); // closes the cleanup phase's clock
  const rows = state.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  return {
    sourceId: options.sourceId,
    backupKey: options.backup.key,
    startedAt,
    finishedAt: now(),
    outcome,
    phases: state.phases,
    restoreMs: restoreStarted ? (state.phases.restore ?? 0) + (state.phases.verify ?? 0) : null,
    tables: state.tables.length,
    rows,
    restoredBytes: state.restoredBytes,
    checks: state.checks,
    message,
    restoredWith: state.restoredWith,
    tableDetails: state.tables,
  };
}

interface DrillState {
  phase: DrillPhase;
  phases: Partial<Record<DrillPhase, number>>;
  phaseStarted: number;
  tables: RestoredTable[];
  checks: DrillCheckResult[];
  restoredBytes: number | null;
  restoredWith: string | null;
  cluster: ScratchCluster | null;
}

function enter(state: DrillState, phase: DrillPhase, options: PgBackRestDrillOptions, detail?: string): void {
  state.phases[state.phase] = Math.round((state.phases[state.phase] ?? 0) + performance.now() - state.phaseStarted);
  state.phase = phase;
  state.phaseStarted = performance.now();
  try {
    options.onProgress?.({ sourceId: options.sourceId, backupKey: options.backup.key, phase, done: 0, total: 1, ...(detail ? { detail } : {}) });
  } catch {
    // a listener's bug must not break the drill
  }
}

async function drill(options: PgBackRestDrillOptions, state: DrillState, signal: AbortSignal, remaining: () => number): Promise<string> {
  const { backup, source } = options;
  const install = await pickInstall(backup, options.postgresBin);
  state.restoredWith = install.version.split(' ')[0] ?? install.version;
  const repoKey = typeof backup.meta?.repoKey === 'number' ? backup.meta.repoKey : source.repo;

  enter(state, 'restore', options, `pgbackrest restore --set=${backup.key}`);
  const restore: { failure: DrillStop | null } = { failure: null };
  try {
    state.cluster = await ScratchCluster.startFromDataDir(
      { install, parentDir: options.parentDir ?? tmpdir(), purpose: `restore drill of ${backup.key}`, startTimeoutSec: Math.ceil(remaining() / 1000) },
      async (cluster) => {
        const pg1Path = `--pg1-path=${cluster.dataDir}`;
        const restored = await run(
          PGBACKREST,
          [...pgbackrestOptions(source, repoKey), pg1Path, `--set=${backup.key}`, '--type=immediate', '--target-action=promote', '--archive-mode=off', `--tablespace-map-all=${join(cluster.dir, 'tablespaces')}`, 'restore'],
          { signal, timeoutMs: remaining(), ...cluster.owner },
        );
        if (restored.code !== 0) throw (restore.failure = judgeRestore(restored.spawnError?.code === 'ENOENT' ? null : restored.stderr, describeFailure(restored, 'pgbackrest restore')));
        prepareConfigFiles(cluster);
        const archiveGet = [PGBACKREST, ...pgbackrestOptions(source, repoKey), pg1Path, 'archive-get', '%f', '"%p"'];
        // restore_command runs through the shell: quote every word but the placeholders.
        return scratchSettings(cluster, archiveGet.map((a) => (a === '%f' || a === '"%p"' ? a : shellQuote([a]))).join(' '));
      },
    );
  } catch (err) {
    if (restore.failure) throw restore.failure;
    if (signal.aborted) throw err;
    const text = (err as Error).message;
    if (/could not (access file|load library)|No space left/i.test(text)) throw drillError(`the backup restored, but the scratch PostgreSQL could not start: ${text}`);
    throw fail(`${backup.key} restored, but PostgreSQL could not recover it to a consistent state (is the WAL it needs still in the archive?): ${text}`);
  }
  const cluster = state.cluster;

  enter(state, 'verify', options, 'checking the restored cluster');
  const maintenance = await connectScratch(cluster, 'template1');
  let databases: string[];
  try {
    const recovery = await maintenance.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    if (recovery.rows[0]?.r !== false) throw fail(`${backup.key} restored, but the cluster is still in recovery after it reported ready`);
    const listed = await maintenance.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname");
    databases = listed.rows.map((r) => r.datname);
  } finally {
    await closeQuietly(maintenance);
  }
  const checksDatabase = options.checksDatabase ?? (databases.filter((d) => d !== 'postgres').length === 1 ? databases.find((d) => d !== 'postgres')! : 'postgres');
  const problems: string[] = [];
  state.restoredBytes = 0;
  for (const database of databases) {
    signal.throwIfAborted();
    let client: Client;
    try {
      client = await connectScratch(cluster, database);
    } catch (err) {
      problems.push(`database ${database} does not accept connections after the restore: ${(err as Error).message}`);
      continue;
    }
    try {
      const tables = await userTables(client);
      const counted = await countTables(client, tables);
      // One drill restores a whole cluster: the database is part of the table's name.
      state.tables.push(...counted.map((t) => ({ ...t, schema: `${database}.${t.schema}` })));
      state.restoredBytes += await databaseSize(client, database);
      if (database === checksDatabase) {
        const runs = await runChecks(client, options.checks, remaining());
        state.checks = runs.map((r) => r.result);
        for (const r of runs.filter((c) => !c.result.passed)) problems.push(describeFailedCheck(r));
      }
    } finally {
      await closeQuietly(client);
    }
  }
  if (options.checks.length > 0 && !databases.includes(checksDatabase)) problems.push(`the checks' database ${checksDatabase} is not in the restored cluster`);
  if (problems.length > 0) throw fail(problems.length === 1 ? problems[0]! : `${problems[0]} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`);
  const rows = state.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  const took = formatDuration(Math.max(1000, (state.phases.restore ?? 0) + performance.now() - state.phaseStarted));
  const passed = state.checks.length ? `; ${state.checks.length} check${state.checks.length === 1 ? '' : 's'} passed` : '';
  return `restored ${backup.type} backup ${backup.key} and recovered it to consistency: ${countOf(databases.length, 'database')}, ${countOf(state.tables.length, 'table')}, ${countOf(rows, 'row')}, ${formatBytes(state.restoredBytes)} in ${took} with PostgreSQL ${state.restoredWith}${passed}`;
}

/** A physical backup starts only on its own PostgreSQL major. */
async function pickInstall(backup: ObservedBackup, postgresBin: string | undefined): Promise<PostgresInstall> {
  const wanted = Number.parseInt(String(backup.meta?.pgVersion ?? ''), 10);
  const installs = await findPostgresInstalls(postgresBin);
  const install = Number.isFinite(wanted) ? installs.find((i) => i.major === wanted) : installs[0];
  if (!install) {
    throw drillError(
      Number.isFinite(wanted)
        ? `${backup.key} is a backup of PostgreSQL ${wanted}; a physical restore needs its server binaries: install postgresql-${wanted} (found ${installs.map((i) => i.major).join(', ') || 'none'})`
        : 'no PostgreSQL server binaries found to start the restored cluster; install the postgresql package of the backed-up major',
    );
  }
  return install;
}

/** pgbackrest restore failed: the backup (missing files, bad checksums) or the drill's access to the repository. */
function judgeRestore(stderr: string | null, summary: string): DrillStop {
  if (stderr === null) return drillError('pgbackrest is not installed or not on PATH');
  if (/permission denied/i.test(stderr)) return drillError(`${summary}; the drill runs pgbackrest as the cluster's user (postgres as root), who must be able to read the pgBackRest config and repository`);
  return fail(`the backup does not restore: ${summary}`);
}

/**
 * Our own pg_hba.conf (trust on the socket, nothing else) and pg_ident.conf; an empty postgresql.conf when the
 * source kept it outside the data directory (Debian's /etc/postgresql), so the server can start at all.
 */
function prepareConfigFiles(cluster: ScratchCluster): void {
  const files: [string, string][] = [
    [join(cluster.dir, 'pg_hba.conf'), 'local all all trust\n'],
    [join(cluster.dir, 'pg_ident.conf'), ''],
  ];
  if (!existsSync(join(cluster.dataDir, 'postgresql.conf'))) files.push([join(cluster.dataDir, 'postgresql.conf'), '']);
  for (const [file, text] of files) {
    writeFileSync(file, text);
    if (cluster.owner) chownSync(file, cluster.owner.uid, cluster.owner.gid);
  }
}

async function userTables(client: Client): Promise<{ schema: string; name: string }[]> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
     ORDER BY 1, 2`,
  );
  return rows;
}


