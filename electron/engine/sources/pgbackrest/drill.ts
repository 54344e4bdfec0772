// A restore drill of one pgBackRest backup set, in the physical drill (drills/physical-drill.ts): pgbackrest
// restore into a throwaway data directory (tablespaces mapped inside the drill's directory), the WAL fetched with
// archive-get into the drill's directory, then replayed by the scratch cluster in its sandbox: to the backup's
// consistency point (drill.recovery: backup-end, the default) or to the end of the archive (end-of-archive).
// For a stanza on another host the backup is restored there and copied here with its WAL (remote-copy.ts).
//
// The scratch cluster never writes into the real stanza or the real cluster: archive_mode is off, every
// pgbackrest call names the scratch data directory as pg1-path, and no TCP listener is opened. pgbackrest
// runs as the cluster's user (postgres when Backup Health runs as root), who must be able to read the
// pgBackRest config and repository. The copy phase counts in restoreMs (drill-frame.ts): it is part of the time
// to restore.
import { join } from 'node:path';
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import type { DrillContext } from '../probe';
import { countOf } from '../../../../shared/units';
import { describeFailure, run } from '../../exec';
import { PGBACKREST, pgbackrestOptions, type PgBackRestLocation } from './pgbackrest-command';
import { copyRestoredBackup } from './remote-copy';
import { drillError, fail, type DrillStop } from '../../drills/restore-plan';
import type { ScratchCluster } from '../../drills/scratch-cluster';
import { drillEnv } from '../../drills/sandbox';
import { fetchWalHere, walForBackup } from './wal';
import { repoReachProblem } from './repo-reach';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { physicalDrill, physicalDrillOptions, type PhysicalDrillOptions, type PhysicalRestore } from '../../drills/physical-drill';
import { walDirOf, type RecoveryMode } from '../../drills/wal-replay';
import { withToolVersions, type ToolUsed } from '../../drills/tool-versions';
import { backupManifestChecksum } from './backup-manifest';

export interface PgBackRestDrillOptions extends Omit<PhysicalDrillOptions, 'mode'> {
  /** With `host`, the backup is restored there and copied here (pgbackrest-remote-copy.ts). */
  source: PgBackRestLocation;
  /** key = the backup label; meta.pgVersion and meta.repoKey as the probe recorded them. */
  backup: ObservedBackup;
  /** How far to replay: the backup's consistency point (the default, as before) or the end of the archive. */
  mode?: RecoveryMode;
}

/** Runs one drill; every outcome is a Drill value (pass, fail: the backup is bad, error: the drill could not run). */
export function runPgBackRestDrill(options: PgBackRestDrillOptions): Promise<Drill> {
  const mode = options.mode ?? 'backup-end';
  return runDrill({ ...options, backupKey: options.backup.key }, (frame) =>
    withToolVersions(frame, toolsUsed(options.source), () => physicalDrill({ ...options, mode }, frame, pgbackrestRestore(options, mode, frame))),
  );
}

/** Evidence: pgbackrest where it restored; for a stanza on a host, the tar that sent the copy and the tar here. */
function toolsUsed(source: PgBackRestLocation): ToolUsed[] {
  const pgbackrest = { name: PGBACKREST, where: source };
  return source.host ? [pgbackrest, { name: 'tar', where: source }, { name: 'tar' }] : [pgbackrest];
}

/** Where the backup set comes from: restored here by pgbackrest, or restored on its host and copied here. */
function pgbackrestRestore(options: PgBackRestDrillOptions, mode: RecoveryMode, frame: DrillFrame): PhysicalRestore {
  const { backup, source } = options;
  const { signal, remaining } = frame;
  const repoKey = typeof backup.meta?.repoKey === 'number' ? backup.meta.repoKey : source.repo;
  const host = source.host;
  const wal = () => walForBackup({ ...source, repo: repoKey ?? source.repo }, backup.key, repoKey, signal, remaining, mode);
  return {
    detail: host ? `pgbackrest restore --set=${backup.key} on ${host}, then copying it here` : `pgbackrest restore --set=${backup.key}`,
    firstPhase: host ? 'copy' : 'restore',
    restored: `restored ${backup.type} backup ${backup.key}${host ? ` (restored on ${host} and copied here)` : ''}`,
    async fill(cluster, checksum) {
      // The set's checksum (issue 17): its backup.manifest, read while pgbackrest restore reads it too.
      const manifest = backupManifestChecksum(source, backup.key, repoKey, signal, remaining());
      checksum(() => manifest);
      const needed = await wal();
      if (host) {
        await copyRestoredBackup({
          source: { ...source, host },
          label: backup.key,
          repoKey,
          wal: needed,
          cluster,
          signal,
          remaining,
          onProgress: (done, total, detail) => frame.progress(done, total, { detail, unit: 'bytes' }),
          frame,
        });
      } else {
        await restoreHere(source, backup.key, repoKey, cluster, signal, remaining);
        const segments = needed.wal.filter((name) => !name.endsWith('.history')).length;
        frame.progress(0, segments, { detail: `fetching ${countOf(segments, 'WAL segment')} with pgbackrest archive-get` });
        await fetchWalHere(source, repoKey, needed.wal, cluster, signal, remaining, (done) => frame.progress(done, needed.wal.length, { detail: 'fetching WAL with pgbackrest archive-get' }));
      }
      const segments = needed.wal.filter((name) => !name.endsWith('.history'));
      const newestSegment = segments.reduce<string | null>((newest, name) => (newest === null || name.slice(8) > newest.slice(8) || (name.slice(8) === newest.slice(8) && name > newest) ? name : newest), null);
      return { dir: walDirOf(cluster), segments: segments.length, archivedAt: needed.archivedAt, newestSegment };
    },
  };
}

/**
 * pgbackrest restore here, as the cluster's user, into the scratch data directory (tablespaces mapped inside the
 * drill's directory); the WAL is fetched separately, and the recovery settings are the drill's own.
 */
async function restoreHere(source: PgBackRestDrillOptions['source'], label: string, repoKey: number | undefined, cluster: ScratchCluster, signal: AbortSignal, remaining: () => number): Promise<void> {
  const pg1Path = `--pg1-path=${cluster.dataDir}`;
  const restored = await run(
    PGBACKREST,
    [...pgbackrestOptions(source, repoKey), pg1Path, `--set=${label}`, '--type=immediate', '--target-action=promote', '--archive-mode=off', `--tablespace-map-all=${join(cluster.dir, 'tablespaces')}`, ...ownPaths(cluster), 'restore'],
    { signal, timeoutMs: remaining(), env: restoreEnv(cluster), ...cluster.owner },
  );
  if (restored.code !== 0) throw judgeRestore(restored.spawnError?.code === 'ENOENT' ? null : restored.stderr, describeFailure(restored, 'pgbackrest restore'));
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

/** pgbackrest restore failed: the backup (missing files, bad checksums) or the drill's access to the repository. */
function judgeRestore(stderr: string | null, summary: string): DrillStop {
  if (stderr === null) return drillError('pgbackrest is not installed or not on PATH');
  const unreachable = repoReachProblem(stderr, '');
  if (unreachable) return drillError(`pgbackrest restore, run as the drill's user, could not read the repository: ${unreachable.message}`);
  if (/permission denied/i.test(stderr)) return drillError(`${summary}; the drill runs pgbackrest restore as the drill's user (backup-health-drill as root), who must be able to read the pgBackRest config and repository (add it to their group)`);
  return fail(`the backup does not restore: ${summary}`);
}

/** A pgBackRest stanza's drill: its settings read from the source and the config, then runPgBackRestDrill. */
export function drillPgBackRest(source: PgBackRestSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  // pgBackRest drills replay to the backup's end unless drill.recovery says the end of the archive.
  return runPgBackRestDrill({ ...physicalDrillOptions(source, backup, ctx, 'backup-end'), source });
}
