// A restore drill of one pgBackRest backup set: a physical restore into a throwaway cluster, proven to be a
// working PostgreSQL.
//
//   prepare  pick the PostgreSQL binaries of the backup's major (a physical backup needs exactly that one)
//   copy     only for a stanza on another host: restored there, copied here with the WAL it needs
//            (pgbackrest-remote-copy.ts); then restore_command reads the copied WAL
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
// pgBackRest config and repository. The copy phase counts in restoreMs (drill-frame.ts): it is part of the time
// to restore.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgBackRestSourceConfig, SourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import { urlDatabase } from '../../postgres/url';
import type { DrillContext } from '../probe';
import { countOf, formatBytes, formatDuration } from '../../../../shared/units';
import { describeFailure, run } from '../../exec';
import { PGBACKREST, pgbackrestOptions, type PgBackRestLocation } from './pgbackrest-command';
import { copyRestoredBackup } from './remote-copy';
import { verifyRestoredCluster } from '../../drills/physical-verify';
import { findPostgresInstalls, type PostgresInstall } from '../../drills/postgres-install';
import { DrillStop, drillError, fail } from '../../drills/restore-plan';
import { ScratchCluster } from '../../drills/scratch-cluster';
import { jailForDrill, type DrillJail } from '../../drills/drill-jail';
import { drillEnv } from '../../drills/sandbox';
import { fetchWalHere, walForBackup } from './wal';
import { removeTree } from '../../drills/remove-tree';
import type { DrillRunOptions } from '../../drills/verify';
import type { DrillExpectations } from '../../drills/drill-judgement';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';

export interface PgBackRestDrillOptions extends DrillRunOptions {
  /** With `host`, the backup is restored there and copied here (pgbackrest-remote-copy.ts). */
  source: PgBackRestLocation;
  /** key = the backup label; meta.pgVersion and meta.repoKey as the probe recorded them. */
  backup: ObservedBackup;
  /** Where the checks run; default: the only user database, else postgres. */
  checksDatabase?: string;
  /** Run even without an OS sandbox (defaults.physicalDrillsWithoutSandbox); refused otherwise. */
  withoutSandbox?: boolean;
  /** The database the cluster must hold, drill.minRows and drill.minTables (drill-judgement.ts). */
  expect?: DrillExpectations;
}

/**
 * The restored cluster's settings, on the command line over the drill's own empty postgresql.conf (the
 * backup's postgresql.conf, postgresql.auto.conf, pg_hba.conf and pg_ident.conf are never read: see
 * ScratchCluster's jail): recovery to the end of the backup from the WAL fetched into the drill's directory,
 * nothing archived, no standby connection, and memory sized for a drill.
 */
function scratchSettings(restoreCommand: string): Record<string, string> {
  return {
    archive_mode: 'off',
    restore_command: restoreCommand,
    recovery_target: 'immediate',
    recovery_target_action: 'promote',
    hot_standby: 'off',
    shared_buffers: '128MB',
  };
}

/** Runs one drill; every outcome is a Drill value (pass, fail: the backup is bad, error: the drill could not run). */
export function runPgBackRestDrill(options: PgBackRestDrillOptions): Promise<Drill> {
  return runDrill({ ...options, backupKey: options.backup.key }, (frame) => drill(options, frame));
}

async function drill(options: PgBackRestDrillOptions, frame: DrillFrame): Promise<string> {
  const { backup, source } = options;
  const { signal, remaining, evidence } = frame;
  const install = await pickInstall(backup, options.postgresBin);
  evidence.restoredWith = install.version.split(' ')[0] ?? install.version;
  const repoKey = typeof backup.meta?.repoKey === 'number' ? backup.meta.repoKey : source.repo;
  const host = source.host;

  const jail = await openPhysicalJail(options, frame);
  if (host) frame.enter('copy', 1, { detail: `pgbackrest restore --set=${backup.key} on ${host}, then copying it here` });
  else frame.enter('restore', 1, { detail: `pgbackrest restore --set=${backup.key}` });
  const restore: { failure: DrillStop | null } = { failure: null };
  let cluster: ScratchCluster;
  try {
    cluster = await ScratchCluster.startFromDataDir(
      { install, jail, purpose: `restore drill of ${backup.key}`, startTimeoutSec: Math.ceil(remaining() / 1000) },
      async (cluster) => {
        // Registered as soon as the directory exists: a drill stopped during the restore removes it too.
        frame.onCleanup(`the scratch cluster in ${cluster.dir}`, () => cluster.stop());
        let restoreCommand: string;
        try {
          restoreCommand = host
            ? await copyRestoredBackup({
                source: { ...source, host },
                label: backup.key,
                repoKey,
                cluster,
                signal,
                remaining,
                onProgress: (done, total, detail) => frame.progress(done, total, { detail, unit: 'bytes' }),
                frame,
              })
            : await restoreHere(source, backup.key, repoKey, cluster, signal, remaining);
        } catch (err) {
          // Whatever else goes wrong before the server starts (ssh, a tool's output) is the drill's, not the backup's.
          if (!signal.aborted) restore.failure = err instanceof DrillStop ? err : drillError(`the ${frame.phase} phase failed: ${(err as Error).message}`);
          throw err;
        }
        if (host) frame.enter('restore', 1, { detail: 'recovering the copy to the end of the backup' });
        return scratchSettings(restoreCommand);
      },
    );
  } catch (err) {
    if (restore.failure) throw restore.failure;
    if (signal.aborted) throw err;
    const text = (err as Error).message;
    if (/could not (access file|load library)|No space left/i.test(text)) throw drillError(`the backup restored, but the scratch PostgreSQL could not start: ${text}`);
    throw fail(`${backup.key} restored, but PostgreSQL could not recover it to a consistent state (is the WAL it needs still in the archive?): ${text}`);
  }

  frame.enter('verify', 1, { detail: 'checking the restored cluster' });
  const databases = await verifyRestoredCluster(cluster, { sourceId: options.sourceId, label: backup.key, checks: options.checks, checksDatabase: options.checksDatabase, expect: options.expect }, frame, evidence);
  const rows = evidence.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  const took = formatDuration(Math.max(1000, (frame.phases.copy ?? 0) + (frame.phases.restore ?? 0) + frame.inPhaseMs()));
  const passed = evidence.checks.length ? `; ${evidence.checks.length} check${evidence.checks.length === 1 ? '' : 's'} passed` : '';
  const copied = host ? ` (restored on ${host} and copied here)` : '';
  const warned = evidence.warnings.length ? `; ${countOf(evidence.warnings.length, 'warning')}` : '';
  return `restored ${backup.type} backup ${backup.key}${copied} and recovered it to consistency: ${countOf(databases.length, 'database')}, ${countOf(evidence.tables.length, 'table')}, ${countOf(rows, 'row')}, ${formatBytes(evidence.restoredBytes ?? 0)} in ${took} with PostgreSQL ${evidence.restoredWith}${passed}${warned}`;
}

/**
 * The drill's directory, user and sandbox. A physical backup brings its whole catalog (a LANGUAGE C function
 * bound to any library installed here, say), so its cluster starts only inside the sandbox, unless the config
 * file says to go without one.
 */
async function openPhysicalJail(options: PgBackRestDrillOptions, frame: DrillFrame): Promise<DrillJail> {
  const parentDir = options.parentDir ?? tmpdir();
  const jail = await jailForDrill(frame, parentDir, `restore drill of ${options.backup.key}`);
  if (!jail.sandbox.active && !options.withoutSandbox) {
    throw drillError(
      `a physical drill starts the backup's own catalog, so it runs only in an OS sandbox, and there is none here: ${jail.sandbox.reason}. Install bubblewrap, or set defaults.physicalDrillsWithoutSandbox: true in the config file to run it unconfined as ${jail.runAs ? 'the backup-health-drill user' : 'this user'}`,
    );
  }
  return jail;
}

/**
 * pgbackrest restore here, as the cluster's user, then the WAL the backup needs fetched into the drill's
 * directory; returns the restore_command that copies from there (the only thing it can reach in the sandbox).
 */
async function restoreHere(source: PgBackRestDrillOptions['source'], label: string, repoKey: number | undefined, cluster: ScratchCluster, signal: AbortSignal, remaining: () => number): Promise<string> {
  const pg1Path = `--pg1-path=${cluster.dataDir}`;
  const restored = await run(
    PGBACKREST,
    [...pgbackrestOptions(source, repoKey), pg1Path, `--set=${label}`, '--type=immediate', '--target-action=promote', '--archive-mode=off', `--tablespace-map-all=${join(cluster.dir, 'tablespaces')}`, ...ownPaths(cluster), 'restore'],
    { signal, timeoutMs: remaining(), env: restoreEnv(cluster), ...cluster.owner },
  );
  if (restored.code !== 0) throw judgeRestore(restored.spawnError?.code === 'ENOENT' ? null : restored.stderr, describeFailure(restored, 'pgbackrest restore'));
  const { wal } = await walForBackup({ ...source, repo: repoKey ?? source.repo }, label, repoKey, signal, remaining);
  return fetchWalHere(source, repoKey, wal, cluster, signal, remaining);
}

/**
 * pgbackrest restore runs as the drill's user with the drill's environment and pgBackRest's own settings
 * (PGBACKREST_*), never the rest of ours: a process of that user must not be able to read other sources'
 * passwords from its /proc/<pid>/environ.
 */
function restoreEnv(cluster: ScratchCluster): NodeJS.ProcessEnv {
  const own = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('PGBACKREST_')));
  return { ...drillEnv(cluster.dir), ...own };
}

/** pgbackrest writes its lock, spool and log files in the drill's directory, never in the real ones. */
function ownPaths(cluster: ScratchCluster): string[] {
  return [`--lock-path=${join(cluster.dir, 'pgbackrest')}`, `--spool-path=${join(cluster.dir, 'pgbackrest')}`, '--log-level-file=off'];
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
  if (/permission denied/i.test(stderr)) return drillError(`${summary}; the drill runs pgbackrest restore as the drill's user (backup-health-drill as root), who must be able to read the pgBackRest config and repository (add it to their group)`);
  return fail(`the backup does not restore: ${summary}`);
}

/** A pgBackRest stanza's drill: its settings read from the source and the config, then runPgBackRestDrill. */
export function drillPgBackRest(source: PgBackRestSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  return runPgBackRestDrill({
    sourceId: source.id,
    source,
    backup,
    checks: source.drill?.checks ?? [],
    // The checks run in the linked server's database when there is one.
    checksDatabase: checksDatabaseOf(source, ctx.config.sources),
    expect: physicalExpectations(source, ctx.config.sources),
    postgresBin: ctx.config.defaults.postgresBin,
    parentDir: ctx.config.defaults.drillDir,
    withoutSandbox: ctx.config.defaults.physicalDrillsWithoutSandbox,
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    onProgress: ctx.onProgress,
    now: ctx.now,
  });
}

/** The linked server's database must be in the restored cluster; drill.minRows and minTables count all databases. */
function physicalExpectations(source: PgBackRestSourceConfig, sources: readonly SourceConfig[]): DrillExpectations {
  const linked = checksDatabaseOf(source, sources);
  return {
    ...(linked ? { database: { name: linked, from: `the database ${source.database} connects to` } } : {}),
    ...(source.drill?.minRows !== undefined ? { minRows: source.drill.minRows } : {}),
    ...(source.drill?.minTables !== undefined ? { minTables: source.drill.minTables } : {}),
  };
}

function checksDatabaseOf(source: PgBackRestSourceConfig, sources: readonly SourceConfig[]): string | undefined {
  const linked = source.database ? sources.find((s) => s.id === source.database) : undefined;
  return linked?.kind === 'postgres' ? (urlDatabase(linked.url) ?? undefined) : undefined;
}

