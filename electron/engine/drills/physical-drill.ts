// A restore drill of a physical backup (a pgBackRest backup set, a pg_basebackup backup, a Barman backup), the same
// for every kind once the kind has put the backup's files in place:
//
//   prepare  the PostgreSQL binaries of the backup's major (a physical backup starts on exactly that one), the
//            drill's directory, user and sandbox (required: the backup brings its whole catalog), and the linked
//            server's WAL position, asked once at the start (it tells an idle database from a lost recovery point)
//   copy     a kind that restores on the backup host first copies here (pgBackRest over ssh)
//   restore  the kind's own step: the backup's files into the scratch data directory, the WAL to replay into
//            <cluster.dir>/wal (wal-replay.ts)
//            each kind names its backup's checksum, taken from the same reads (backup-checksum.ts ChecksumOutcome)
//   replay   the server starts on the drill's own settings and replays that WAL: to the end of the archive, or to
//            the end of the backup; progress is each segment restored
//   verify   recovery ended; every database connects; exact row counts; the user's checks (physical-verify.ts);
//            what the replay reached and the recovery point (wal-replay.ts)
//   cleanup  the cluster is stopped and its directory removed, whatever happened
import { tmpdir } from 'node:os';
import type { SourceConfig } from '../../../shared/config';
import { urlDatabase } from '../postgres/url';
import type { DrillContext } from '../sources/probe';
import { linkedServer, serverPositionOf } from './server-position';
import type { DrillProvenance, DrillRecovery, ObservedBackup } from '../../../shared/model';
import type { ChecksumOutcome } from './backup-checksum';
import { reachedWords } from '../../../shared/recovery-words';
import { parseWalFileName, segmentName } from '../wal/names';
import { countOf, formatBytes, formatDuration, utcWords } from '../../../shared/units';
import type { DrillExpectations } from './drill-judgement';
import type { DrillFrame } from './drill-frame';
import { jailForDrill, type DrillJail } from './drill-jail';
import { findPostgresInstalls, type PostgresInstall } from './postgres-install';
import { verifyRestoredCluster } from './physical-verify';
import { DrillStop, drillError, fail } from './restore-plan';
import { ScratchCluster } from './scratch-cluster';
import type { DrillRunOptions } from './verify';
import { checkDecompressors, readReplayed, readSegmentSize, recoveryPoint, replayedTimelineOf, type Replayed, replaySettings, watchReplay, type FetchedWal, type RecoveryMode, type ServerPosition } from './wal-replay';

export interface PhysicalDrillOptions extends DrillRunOptions {
  backup: ObservedBackup;
  mode: RecoveryMode;
  /** Where the checks run; default: the only user database, else postgres. */
  checksDatabase?: string;
  /** Run even without an OS sandbox (defaults.physicalDrillsWithoutSandbox); refused otherwise. */
  withoutSandbox?: boolean;
  /** The database the cluster must hold, drill.minRows and drill.minTables (drill-judgement.ts). */
  expect?: DrillExpectations;
  /** The linked server's WAL position now (null when there is no linked server or it cannot say). */
  serverPosition?: () => Promise<ServerPosition | null>;
}

/** A physical kind's source: its linked server, its drill settings. */
type PhysicalSource = Extract<SourceConfig, { kind: 'pgbackrest' | 'basebackup' | 'barman' }>;

/**
 * The options every physical kind's drill takes from its source and the config: the checks run in the linked
 * server's database, which must be in the restored cluster; drill.minRows and minTables count all databases;
 * the linked server is asked its WAL position at the start; `mode` is drill.recovery or the kind's default.
 */
export function physicalDrillOptions(source: PhysicalSource, backup: ObservedBackup, ctx: DrillContext, defaultMode: RecoveryMode): PhysicalDrillOptions {
  const linked = linkedServer(source, ctx.config);
  const checksDatabase = linked ? (urlDatabase(linked.url) ?? undefined) : undefined;
  return {
    sourceId: source.id,
    backup,
    mode: source.drill?.recovery ?? defaultMode,
    checks: source.drill?.checks ?? [],
    checksDatabase,
    expect: {
      ...(checksDatabase ? { database: { name: checksDatabase, from: `the database ${source.database} connects to` } } : {}),
      ...(source.drill?.minRows !== undefined ? { minRows: source.drill.minRows } : {}),
      ...(source.drill?.minTables !== undefined ? { minTables: source.drill.minTables } : {}),
    },
    postgresBin: ctx.config.defaults.postgresBin,
    parentDir: ctx.config.defaults.drillDir,
    withoutSandbox: ctx.config.defaults.physicalDrillsWithoutSandbox,
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    onProgress: ctx.onProgress,
    now: ctx.now,
    serverPosition: serverPositionOf(source, ctx.config, ctx),
  };
}

/** What a kind does to put its backup in place. */
export interface PhysicalRestore {
  /** The first phase's progress line, e.g. "pgbackrest restore --set=…". */
  detail: string;
  /** 'copy' when the backup is restored elsewhere and copied here first (counted in the restore time as well). */
  firstPhase?: 'copy' | 'restore';
  /** "restored incr backup 2024…": how it got here. */
  restored: string;
  /**
   * Writes the backup into cluster.dataDir and the WAL to replay into walDirOf(cluster); throws a DrillStop
   * (fail: the backup; error: the drill) when it cannot. Hands `checksum` how to tell the backup's checksum once
   * its reads are done, as soon as it has started them: a drill that fails later still records which backup.
   */
  fill(cluster: ScratchCluster, checksum: ChecksumHook): Promise<FilledBackup>;
}

/** Called by fill with the backup's checksum to come (issue 17), asked for when the drill's steps end. Never rejects. */
export type ChecksumHook = (outcome: () => Promise<ChecksumOutcome>) => void;

/** The WAL a kind fetched, and what else the message says it did to the backup ("checked against its backup_manifest"). */
export interface FilledBackup extends FetchedWal {
  notes?: readonly string[];
}

/** "restored base backup X, checked against its backup_manifest," : what the restore did, each note after it. */
export function restoredWords(restored: string, notes: readonly string[] = []): string {
  return notes.length ? `${[restored, ...notes].join(', ')},` : restored;
}

/**
 * The drill's steps inside the frame (runDrill); returns the message of a pass. Whatever the outcome, the
 * backup's checksum its restore handed over is recorded in the provenance, or why there is none.
 */
export async function physicalDrill(options: PhysicalDrillOptions, frame: DrillFrame, restore: PhysicalRestore): Promise<string> {
  const handed: { checksum?: () => Promise<ChecksumOutcome> } = {};
  try {
    return await physicalDrillSteps(options, frame, restore, (outcome) => (handed.checksum = outcome));
  } finally {
    recordChecksum(frame.evidence.provenance, handed.checksum ? await handed.checksum() : { missing: 'the drill stopped before it read the backup' });
  }
}

/** The outcome into the provenance: the checksum, or why it has none; a checksum never fails a drill. */
export function recordChecksum(provenance: DrillProvenance, outcome: ChecksumOutcome): void {
  if ('checksum' in outcome) provenance.checksum = outcome.checksum;
  else provenance.checksumMissing = outcome.missing;
}

async function physicalDrillSteps(options: PhysicalDrillOptions, frame: DrillFrame, restore: PhysicalRestore, checksum: ChecksumHook): Promise<string> {
  const { backup } = options;
  const { signal, remaining, evidence } = frame;
  const install = await pickInstall(backup, options.postgresBin);
  evidence.restoredWith = install.version.split(' ')[0] ?? install.version;
  evidence.provenance.scratchServer = install.version;
  const server = options.serverPosition ? await options.serverPosition().catch(() => null) : null;
  const jail = await openPhysicalJail(options, frame);

  frame.enter(restore.firstPhase ?? 'restore', 1, { detail: restore.detail });
  const stage: { failure: DrillStop | null; wal: FilledBackup | null; watcher: { stop(): number } | null; replayStarted: number } = { failure: null, wal: null, watcher: null, replayStarted: 0 };
  let cluster: ScratchCluster;
  try {
    cluster = await ScratchCluster.startFromDataDir({ install, jail, purpose: `restore drill of ${backup.key}`, startTimeoutSec: Math.ceil(remaining() / 1000) }, async (cluster) => {
      // Registered as soon as the directory exists: a drill stopped during the restore removes it too.
      frame.onCleanup(`the scratch cluster in ${cluster.dir}`, () => cluster.stop());
      try {
        stage.wal = await restore.fill(cluster, checksum);
        stage.wal.segmentSizeBytes ??= (await readSegmentSize(cluster)) ?? undefined;
        if (!stage.wal.segmentSizeBytes) throw drillError(`could not read the WAL segment size of the restored data directory (pg_controldata ${cluster.dataDir})`);
        checkDecompressors(stage.wal);
      } catch (err) {
        // Whatever else goes wrong before the server starts (ssh, a tool's output) is the drill's, not the backup's.
        if (!signal.aborted) stage.failure = err instanceof DrillStop ? err : drillError(`the ${frame.phase} phase failed: ${(err as Error).message}`);
        throw err;
      }
      const segments = stage.wal.segments;
      frame.enter('replay', segments, { detail: options.mode === 'end-of-archive' ? `replaying ${countOf(segments, 'WAL segment')} to the end of the archive` : 'replaying the WAL the backup needs to be consistent' });
      stage.watcher = watchReplay(cluster, frame, segments);
      stage.replayStarted = performance.now();
      return replaySettings(cluster, options.mode, stage.wal);
    });
  } catch (err) {
    stage.watcher?.stop();
    if (stage.failure) throw stage.failure;
    if (signal.aborted) throw err;
    const text = (err as Error).message;
    if (/could not (access file|load library)|No space left/i.test(text)) throw drillError(`the backup restored, but the scratch PostgreSQL could not start: ${text}`);
    const cut = /archive file "([0-9A-F]{24})" has wrong size: (\d+) instead of (\d+)/.exec(text);
    if (cut) throw fail(`WAL segment ${cut[1]} in the archive is ${Number(cut[2]) < Number(cut[3]) ? 'cut short' : 'too long'} (${formatBytes(Number(cut[2]))} instead of ${formatBytes(Number(cut[3]))}): PostgreSQL refuses it, so no restore can replay past it; replace it from the server's pg_wal if it is still there, and take a new base backup`);
    throw fail(`${backup.key} restored, but PostgreSQL could not recover it to a consistent state (is the WAL it needs still in the archive?): ${text}`);
  }
  const walReplayed = stage.watcher?.stop() ?? 0;
  const replayMs = Math.round(performance.now() - stage.replayStarted);

  frame.enter('verify', 1, { detail: 'checking the restored cluster' });
  const replayed = await frame.abortable(readReplayed(cluster));
  const recovery = recoveryPoint({ mode: options.mode, drillStartedAt: frame.startedAt, replayed, wal: { archivedAt: stage.wal!.archivedAt, segmentSizeBytes: stage.wal!.segmentSizeBytes! }, walReplayed, replayMs, server });
  evidence.recovery = recovery;
  const stoppedEarly = options.mode === 'end-of-archive' ? replayStoppedEarly(recovery, replayed, stage.wal!) : null;
  if (stoppedEarly) throw fail(stoppedEarly);
  const databases = await verifyRestoredCluster(cluster, { sourceId: options.sourceId, label: backup.key, checks: options.checks, checksDatabase: options.checksDatabase, expect: options.expect }, frame, evidence);
  const rows = evidence.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  const took = formatDuration(Math.max(1000, (frame.phases.copy ?? 0) + (frame.phases.restore ?? 0) + (frame.phases.replay ?? 0) + frame.inPhaseMs()));
  const passed = evidence.checks.length ? `; ${evidence.checks.length} check${evidence.checks.length === 1 ? '' : 's'} passed` : '';
  const warned = evidence.warnings.length ? `; ${countOf(evidence.warnings.length, 'warning')}` : '';
  const counted = `${countOf(databases.length, 'database')}, ${countOf(evidence.tables.length, 'table')}, ${countOf(rows, 'row')}, ${formatBytes(evidence.restoredBytes ?? 0)} in ${took} with PostgreSQL ${evidence.restoredWith}${passed}${warned}`;
  const restored = restoredWords(restore.restored, stage.wal!.notes);
  if (options.mode === 'backup-end') return `${restored} and recovered it to consistency: ${counted}`;
  return `${restored} and replayed its WAL to the end of the archive: ${reachedWords(recovery)}; ${counted}`;
}

/**
 * When a replay to the end of the archive ended before the newest segment fetched on the timelines it followed
 * (the replayed timeline and its ancestors; a branch recovery did not follow is not a stop): the segment after
 * the last one replayed is missing (or unreadable), and nothing after it can be replayed. Null when it reached
 * the end.
 */
export function replayStoppedEarly(recovery: DrillRecovery, replayed: Replayed, wal: Pick<FetchedWal, 'archivedAt' | 'newestSegment' | 'segmentSizeBytes'>): string | null {
  const last = recovery.lastReplayedSegment;
  const size = wal.segmentSizeBytes;
  if (!last || !size) return null;
  const followed = new Set([replayed.timeline ?? 1, ...(replayed.ancestors ?? []).map((a) => a.parent)]);
  const onChain = [...wal.archivedAt.keys(), ...(wal.newestSegment ? [wal.newestSegment] : [])].filter((name) => followed.has(Number.parseInt(name.slice(0, 8), 16)));
  const newest = onChain.reduce<string | null>((best, name) => (best === null || name.slice(8) > best.slice(8) ? name : best), null);
  if (!newest || newest.slice(8) <= last.slice(8)) return null;
  const lastNo = parseWalFileName(last, size)?.segment;
  if (lastNo === undefined) return null;
  const next = segmentName(replayedTimelineOf(replayed, lastNo + 1, size), lastNo + 1, size);
  const after = new Set(onChain.filter((name) => name.slice(8) > last.slice(8)).map((name) => name.slice(8))).size;
  const archived = recovery.lastSegmentArchivedAt === null ? '' : ` (archived ${utcWords(recovery.lastSegmentArchivedAt)})`;
  const reached = recovery.recoveredTo === null ? '' : `; it restores up to ${utcWords(recovery.recoveredTo)}`;
  return `point-in-time recovery stops at ${last}${archived}: ${next} is missing from the archive or could not be replayed, so ${countOf(after, 'newer segment')} after it could not be replayed and restores to later times are impossible${reached}`;
}

/**
 * The drill's directory, user and sandbox. A physical backup brings its whole catalog (a LANGUAGE C function
 * bound to any library installed here, say), so its cluster starts only inside the sandbox, unless the config
 * file says to go without one.
 */
async function openPhysicalJail(options: PhysicalDrillOptions, frame: DrillFrame): Promise<DrillJail> {
  const parentDir = options.parentDir ?? tmpdir();
  const jail = await jailForDrill(frame, parentDir, `restore drill of ${options.backup.key}`);
  if (!jail.sandbox.active && !options.withoutSandbox) {
    throw drillError(
      `a physical drill starts the backup's own catalog, so it runs only in an OS sandbox, and there is none here: ${jail.sandbox.reason}. Install bubblewrap, or set defaults.physicalDrillsWithoutSandbox: true in the config file to run it unconfined as ${jail.runAs ? 'the backup-health-drill user' : 'this user'}`,
    );
  }
  return jail;
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
