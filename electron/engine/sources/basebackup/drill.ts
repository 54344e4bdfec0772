// A restore drill of one pg_basebackup run and the WAL archive, in the physical drill (drills/physical-drill.ts):
//
//   restore  the backup's tree unpacked into the scratch data directory by tar in the drill's sandbox, as the
//            drill's user: a plain backup is sent as a tar stream (`tar -c`, here or on the host over ssh), a tar
//            backup's base.tar is sent as it is and unpacked with its own compression (gzip, zstd, lz4); pg_wal.tar
//            goes into pg_wal. Tablespaces go inside the drill's directory: a tar backup's <oid>.tar beside the
//            data directory and its tablespace_map rewritten to point there; a plain backup's pg_tblspc links are
//            replaced by copies of what they point at, followed only inside the backup area (the directory
//            holding `path`) — a backup's link never makes a drill read anything else
//   wal      every archived segment from the backup's start on (every timeline from its own; .partial and
//            .backup files left out) and every .history file, sent as one tar stream into <drill>/wal. Compressed
//            segments stay compressed: restore_command (in the sandbox) decompresses each as it is replayed,
//            never past the segment size
//   replay   to the end of the archive (drill.recovery: end-of-archive, the default) or the backup's end
//
// When the replay stops before the newest segment fetched (a segment missing in between), the drill fails and
// says where: restores to later times are impossible.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { TAR, type DrillJail } from '../../drills/drill-jail';
import { physicalDrill, physicalDrillOptions, type PhysicalRestore } from '../../drills/physical-drill';
import { ownedDir, unpackInto, unpackPlainTree, verifyPlainAgainstManifest, type PlainTree } from '../../drills/physical-unpack';
import { drillError, fail } from '../../drills/restore-plan';
import type { ScratchCluster } from '../../drills/scratch-cluster';
import { listRunDir, tarCompressionOf, TarRunHashes, unpackTarRun, verifyTarRunAgainstManifest, type TarRun } from '../../drills/tar-run';
import { manifestChecksum, type ChecksumOutcome } from '../../drills/backup-checksum';
import { walkTree } from '../../drills/snapshot-tree';
import { newestSegmentOf, walDecompressorsIn, walDirOf } from '../../drills/wal-replay';
import { recordPostgresTool, recordToolVersions, withToolVersions, type ToolUsed } from '../../drills/tool-versions';
import type { DrillContext } from '../probe';

/**
 * Lists what the WAL archive holds from `startPosition` (the 16 hex digits after the timeline) on, on timelines
 * from `timeline` on, and every history file; writes them to stdout as a tar stream. $1 archive, $2 timeline,
 * $3 position. The names are filtered in awk (POSIX awk: mawk has no {n} intervals), never passed as arguments
 * (an archive holds 100,000 of them).
 */
const WAL_SCRIPT = `cd "$1" || exit 90
find . -maxdepth 1 -type f | awk -v tli="$2" -v pos="$3" '
  { n = substr($0, 3); base = n; sub(/[.](gz|zst|lz4|bz2|xz)$/, "", base) }
  base ~ /^[0-9A-F]+[.]history$/ && length(base) == 16 { print n; next }
  base ~ /^[0-9A-F]+$/ && length(base) == 24 && substr(base, 1, 8) >= tli && substr(base, 9, 16) >= pos { print n }' | tar -cf - -T -`;

export function runBaseBackupDrill(source: BaseBackupSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const options = physicalDrillOptions(source, backup, ctx, 'end-of-archive');
  return runDrill({ ...options, backupKey: backup.key }, (frame) => withToolVersions(frame, toolsUsed(source), () => physicalDrill(options, frame, baseBackupRestore(source, backup, frame))));
}

/**
 * Evidence: the tar that sent the WAL archive (and a plain run) from the host, and the one that unpacked them here
 * (the same key when both ran here: the drill's own tar). The decompressors of a tar run's files and of the
 * archive's segments, and pg_verifybackup, are recorded once the drill runs them.
 */
function toolsUsed(source: BaseBackupSourceConfig): ToolUsed[] {
  const here = { name: 'tar', command: TAR };
  return source.host ? [{ name: 'tar', where: source }, here] : [here];
}

function baseBackupRestore(source: BaseBackupSourceConfig, backup: ObservedBackup, frame: DrillFrame): PhysicalRestore {
  const where = source.host ? ` on ${source.host}` : '';
  const format = backup.meta?.format === 'tar' ? 'tar' : 'plain';
  return {
    detail: `unpacking ${format}-format base backup ${backup.key}${where}`,
    restored: `restored base backup ${backup.key}${source.host ? ` (copied from ${source.host})` : ''}`,
    async fill(cluster, checksum) {
      const jail = cluster.jail;
      if (!jail) throw drillError('a base backup drill runs only in its jail');
      const startSegment = typeof backup.meta?.startSegment === 'string' ? backup.meta.startSegment : null;
      if (!backup.readable || !startSegment) throw fail(`${backup.key} cannot be restored as a base backup: ${backup.problem ?? 'its backup_label was not read (no start segment)'}`);
      const backupDir = join(source.path, backup.key);
      // The checksum (issue 17): a tar run's files hashed as tar reads them; a plain run's backup_manifest read beside tar -c.
      const hashes = new TarRunHashes(source, backupDir, frame.signal);
      checksum(format === 'tar' ? () => hashes.outcome() : plainRunChecksum(source, backup, backupDir, frame));
      if (format === 'tar') {
        const names = await listRunDir(source, backupDir, frame);
        await unpackTarRun(source, tarRun(backup, backupDir), names, cluster, jail, frame, hashes);
        await recordToolVersions(frame.evidence.provenance, decompressorsOf(names), frame.signal);
      } else await unpackPlainTree(source, plainRun(source, backupDir), cluster, jail, frame);
      await walkTree(cluster.dataDir, { makeInert: true, signal: frame.signal });
      // The run checked against its backup_manifest while the archive is copied: both read, neither waits.
      const [segments, verified] = await Promise.all([fetchArchive(source, startSegment, cluster, jail, frame), verifyRunAgainstManifest(source, backup, backupDir, format, cluster, jail, frame, hashes)]);
      if (verified) await recordPostgresTool(frame.evidence.provenance, 'pg_verifybackup', cluster.tool('pg_verifybackup'));
      // restore_command decompresses compressed segments as the replay reads them.
      if (segments.compressed) await recordToolVersions(frame.evidence.provenance, walDecompressorsIn(walDirOf(cluster)).map((name) => ({ name })), frame.signal);
      return {
        notes: verified ? ['checked against its backup_manifest'] : [],
        dir: walDirOf(cluster),
        segments: segments.count,
        archivedAt: segments.archivedAt,
        ...(typeof backup.meta?.walSegmentSize === 'number' ? { segmentSizeBytes: backup.meta.walSegmentSize } : {}),
        compressed: segments.compressed,
        newestSegment: segments.newest,
      };
    },
  };
}

/** A plain run: its tablespace links may point only inside the backup area (the directory holding `path`). */
function plainRun(source: BaseBackupSourceConfig, backupDir: string): PlainTree {
  const area = dirname(source.path);
  return {
    dir: backupDir,
    area,
    outside: (oid, target) =>
      fail(`the plain-format backup links tablespace ${oid} to ${target}, outside ${resolve(area)}: drills never follow a backup's links out of its backup area; map tablespaces inside it (pg_basebackup -T) or take tar-format backups (-Ft)`),
  };
}

/** The decompressors tar ran here for a tar run's files (gzip, zstd, lz4: tar's --gzip, --zstd, lz4 -d). */
function decompressorsOf(names: readonly string[]): ToolUsed[] {
  const used = new Set(names.filter((name) => /\.tar(\.\w+)?$/.test(name)).map(tarCompressionOf));
  used.delete('none');
  return [...used].map((name) => ({ name }));
}

/** A tar run (drills/tar-run.ts): base.tar*, pg_wal.tar*, <oid>.tar* and backup_manifest in its directory. */
function tarRun(backup: ObservedBackup, backupDir: string): TarRun {
  return { dir: backupDir, label: backup.key, ...(backup.sizeBytes ? { sizeBytes: backup.sizeBytes } : {}) };
}

/**
 * The run checked against its backup_manifest (PostgreSQL 13+, where the run has one; drills/physical-unpack.ts
 * verifyAgainstManifest; a tar run's by drills/tar-run.ts verifyTarRunAgainstManifest). A run without a manifest
 * is restored all the same.
 */
async function verifyRunAgainstManifest(source: BaseBackupSourceConfig, backup: ObservedBackup, backupDir: string, format: 'plain' | 'tar', cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame, hashes: TarRunHashes): Promise<boolean> {
  if (!backup.meta?.manifest || cluster.install.major < 13) return false;
  if (format === 'plain') return verifyPlainAgainstManifest(cluster, jail, frame, backup.key);
  await verifyTarRunAgainstManifest(source, tarRun(backup, backupDir), cluster, jail, frame, hashes);
  return true;
}

/**
 * A plain run's checksum: its backup_manifest's SHA-256 (drills/backup-checksum.ts manifestChecksum), read
 * from now on while tar -c sends the tree (here, or over ssh through this process). A run without one (before
 * PostgreSQL 13, or pg_basebackup --no-manifest) has none and says why.
 */
function plainRunChecksum(source: BaseBackupSourceConfig, backup: ObservedBackup, backupDir: string, frame: DrillFrame): () => Promise<ChecksumOutcome> {
  if (!backup.meta?.manifest) {
    const missing = { missing: 'the backup has no backup_manifest (PostgreSQL before 13, or taken with --no-manifest)' };
    return () => Promise.resolve(missing);
  }
  const reading = manifestChecksum(source, join(backupDir, 'backup_manifest'), frame.signal, frame.remaining());
  return () => reading;
}

/** Every segment from the backup's start on and every history file, into <drill>/wal as one tar stream. */
async function fetchArchive(source: BaseBackupSourceConfig, startSegment: string, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame): Promise<{ count: number; archivedAt: Map<string, number>; compressed: boolean; newest: string | null }> {
  const dir = ownedDir(cluster, walDirOf(cluster));
  frame.progress(0, 0, { detail: `copying the WAL archive from ${startSegment} on` });
  await unpackInto(source, jail, frame, dir, 'sh', ['-c', WAL_SCRIPT, 'sh', source.walArchive, startSegment.slice(0, 8), startSegment.slice(8)], { what: `copying the WAL archive ${source.walArchive}` });
  const archivedAt = new Map<string, number>();
  let compressed = false;
  let count = 0;
  for (const name of readdirSync(dir)) {
    const segment = /^([0-9A-F]{24})(\.(gz|zst|lz4|bz2|xz))?$/.exec(name);
    if (!segment) continue;
    count++;
    if (segment[2]) compressed = true;
    // tar keeps each file's modification time: when archive_command wrote it.
    archivedAt.set(segment[1]!, statSync(join(dir, name)).mtimeMs);
  }
  if (count === 0) throw fail(`the WAL archive ${source.walArchive}${source.host ? ` on ${source.host}` : ''} holds no segment from ${startSegment} on: the backup cannot be made consistent`);
  return { count, archivedAt, compressed, newest: newestSegmentOf(archivedAt.keys()) };
}
