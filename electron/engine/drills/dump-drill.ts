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
// one message saying what to do. Only a bug in these files could make it throw. This file prepares and runs
// the phases; the restore is dump-restore-steps.ts, the verification dump-verify.ts, and what they share
// (options, their view of the frame) dump-drill-record.ts.
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import type { Client } from 'pg';
import type { BackupChecksum, Drill } from '../../../shared/model';
import { countOf } from '../../../shared/units';
import { binaryVersion, type PostgresInstall } from './postgres-install';
import { checksumAlongside } from './backup-checksum';
import type { RestoreProblem } from './restore-errors';
import { checkFreeSpace, DrillStop, drillError, fail, planRestore, type RestorePlan } from './restore-plan';
import { closeQuietly, connectAs, connectScratch } from './scratch-client';
import { jailForDrill, type DrillJail } from './drill-jail';
import { createAllowedExtensions, createDumpRoles, createRestoreDatabase, createRestoreRole, DEFAULT_EXTENSION_ALLOWLIST, RESTORE_ROLE } from './drill-roles';
import { describeRefusal } from './restore-refusals';
import { ScratchCluster } from './scratch-cluster';
import { runDrill, type DrillFrame } from './drill-frame';
import { schemaOnlyProblem, tableDataItems } from './drill-judgement';
import { DrillRecord, type DumpDrillOptions } from './dump-drill-record';
import { judgeRestore, restoreFromArchive, restoreFromScript } from './dump-restore-steps';
import { countWhatRestored, verifyDump } from './dump-verify';

export type { DumpDrillCheck } from './verify';
export type { DumpDrillOptions } from './dump-drill-record';

/** Where the drill connects to create roles and databases (never a database a dump restores into). */
const MAINTENANCE_DB = 'template1';
/**
 * Server settings for a restore: no WAL for a parallel restore's COPY (it truncates in the same transaction)
 * or index builds, no autovacuum competing with the restore.
 */
const RESTORE_SETTINGS = { wal_level: 'minimal', max_wal_senders: '0', archive_mode: 'off', autovacuum: 'off', maintenance_work_mem: '128MB' };

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
  // The dump's SHA-256 is read from here on, while the scratch cluster starts and the database is prepared (work
  // that leaves the CPU mostly idle) and on alongside pg_restore's own reads; recorded whatever the outcome.
  const hashing = startChecksum(plan, options, frame);
  try {
    return await restorePlanned(options, record, scratch, frame, plan, jail, early, parentDir);
  } finally {
    const checksum = await hashing;
    if (checksum) frame.evidence.provenance.checksum = checksum;
  }
}

async function restorePlanned(options: DumpDrillOptions, record: DrillRecord, scratch: { cluster: ScratchCluster | null }, frame: DrillFrame, plan: RestorePlan, jail: DrillJail, early: { starting: Promise<ScratchCluster> | null }, parentDir: string): Promise<string> {
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
  await recordTools(cluster, plan, frame);
  const maintenance = await frame.abortable(connectScratch(cluster, MAINTENANCE_DB));
  try {
    await prepareDatabase(cluster, maintenance, plan, record, options, frame);

    record.enter('restore', plan.total);
    const problem: RestoreProblem | null = plan.archive ? await restoreFromArchive(cluster, plan, record, options.jobs, frame) : await restoreFromScript(cluster, plan, record, maintenance, frame);
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
      return await verifyDump(client, plan, record, options, frame, cluster);
    } finally {
      await closeQuietly(client);
    }
  } finally {
    await closeQuietly(maintenance);
  }
}

// ---------------------------------------------------------------------------------------------------------
// evidence (issue 17)

/** The restoring tool's and the scratch server's versions (binaryVersion asks each binary once). */
async function recordTools(cluster: ScratchCluster, plan: RestorePlan, frame: DrillFrame): Promise<void> {
  const provenance = frame.evidence.provenance;
  provenance.scratchServer = plan.install.version;
  const tool = plan.archive ? 'pg_restore' : 'psql';
  const found = await binaryVersion(cluster.tool(tool));
  if (found) provenance.tools[tool] = found.version;
}

/**
 * The dump's SHA-256, read while pg_restore or psql reads it (backup-checksum.ts): a checksum a copy already
 * computed (options.checksum), none when the caller asked for none (the bench's baseline), else started now.
 */
function startChecksum(plan: RestorePlan, options: DumpDrillOptions, frame: DrillFrame): Promise<BackupChecksum | null> {
  if (options.checksum === false) return Promise.resolve(null);
  if (options.checksum) return Promise.resolve(options.checksum);
  const path = plan.archive?.path ?? plan.plain!.path;
  return checksumAlongside(path, plan.archive?.format === 'directory', frame.signal);
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
