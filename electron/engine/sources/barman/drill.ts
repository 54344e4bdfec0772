// A restore drill of one Barman backup and the WAL Barman holds, in the physical drill (drills/physical-drill.ts),
// without `barman recover` (which, without a target, copies the WAL into pg_wal and does crash recovery,
// following no timeline):
//
//   prepare  Barman says where the server's backups and WAL live (show-server) and what the backup is
//            (backup.info: DONE, its mode and compression, its begin_wal, PostgreSQL major and segment size; an
//            rsync backup's backup_label and tablespaces); anything else is refused with a sentence
//            (drill-backup-info.ts)
//   restore  <basebackups_directory>/<id>/data into the scratch data directory, by tar in the drill's sandbox as
//            the drill's user, the way its layout asks:
//            - backup_method = postgres, uncompressed: a plain pg_basebackup tree, unpacked as a plain base backup
//              run is (drills/physical-unpack.ts); its tablespace links point at <id>/<oid> beside it and are
//              followed only inside the backup's directory. Checked against its backup_manifest
//            - backup_method = postgres with backup_compression (gzip, lz4, zstd): pg_basebackup's tar files,
//              unpacked as a tar-format base backup run is (drills/tar-run.ts): base.tar.*, each <oid>.tar.*
//              inside the drill's directory with tablespace_map rewritten to point there. Checked against its
//              backup_manifest
//            - backup_method = rsync (concurrent): the copied tree as a plain one, each tablespace of backup.info
//              copied from <id>/<oid> (only inside the backup's directory) and linked from pg_tblspc, and
//              backup.info's backup_label written into it (the drill's user's, mode 0600)
//   wal      every file xlog.db lists from begin_wal on (every timeline from the backup's own on) and every
//            .history file, as one tar stream into <drill>/wal, each named by its recorded compression so
//            restore_command decompresses it in the sandbox (fetch-wal.ts)
//   replay   to the end of the archive (drill.recovery: end-of-archive, the default) or the backup's end
//
// When the replay stops before the newest segment fetched (a file missing in between), the drill fails and says
// where: restores to later times are impossible.
import { chownSync, lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { drillError, fail } from '../../drills/drill-stop';
import { physicalDrill, physicalDrillOptions, type PhysicalRestore } from '../../drills/physical-drill';
import { TAR, type DrillJail } from '../../drills/drill-jail';
import { unpackPlainTree, unpackTablespace, verifyPlainAgainstManifest } from '../../drills/physical-unpack';
import type { ScratchCluster } from '../../drills/scratch-cluster';
import { listRunDir, TarRunHashes, unpackTarRun, verifyTarRunAgainstManifest } from '../../drills/tar-run';
import { manifestChecksum, type ChecksumOutcome } from '../../drills/backup-checksum';
import { walkTree } from '../../drills/snapshot-tree';
import { walDecompressorsIn, walDirOf } from '../../drills/wal-replay';
import { recordPostgresTool, recordToolVersions, withToolVersions, type ToolUsed } from '../../drills/tool-versions';
import type { DrillContext } from '../probe';
import { readBackupToDrill, type BarmanBackupLayout, type BarmanBackupToDrill } from './drill-backup-info';
import { fetchBarmanWal } from './fetch-wal';
import { BARMAN } from './barman-command';
import { MAX_BACKUP_LABEL_CHARS } from './python-literal';

export function runBarmanDrill(source: BarmanSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const options = physicalDrillOptions(source, backup, ctx, 'end-of-archive');
  return runDrill({ ...options, backupKey: backup.key }, (frame) =>
    withToolVersions(frame, toolsUsed(source), async () => {
      const found = await readBackupToDrill(source, backup.key, frame);
      // backup.info's version picks the binaries: a physical backup starts only on its own major.
      const drilled = found.pgMajor === null ? backup : { ...backup, meta: { ...backup.meta, pgVersion: String(found.pgMajor) } };
      return physicalDrill({ ...options, backup: drilled }, frame, barmanRestore(source, found, frame));
    }),
  );
}

/**
 * Evidence: barman where it said where the backup is; the tar that sent the files and WAL (there) and the one that
 * unpacked them here (the same key when both ran here: the drill's own tar).
 */
function toolsUsed(source: BarmanSourceConfig): ToolUsed[] {
  const here = { name: 'tar', command: TAR };
  return [{ name: BARMAN, where: source }, ...(source.host ? [{ name: 'tar', where: source }, here] : [here])];
}

function barmanRestore(source: BarmanSourceConfig, backup: BarmanBackupToDrill, frame: DrillFrame): PhysicalRestore {
  const from = source.host ? ` on ${source.host}` : '';
  return {
    detail: `copying Barman backup ${backup.id} of server ${source.server}${from}`,
    restored: `restored Barman backup ${backup.id} of server ${source.server}${source.host ? ` (copied from ${source.host})` : ''}`,
    async fill(cluster, checksum) {
      const jail = cluster.jail;
      if (!jail) throw drillError('a Barman drill runs only in its jail');
      const hashes = new TarRunHashes(source, backup.dataDir, frame.signal);
      checksum(barmanChecksum(source, backup, hashes, frame));
      const verify = await unpackBackup(source, backup, cluster, jail, frame, hashes);
      await walkTree(cluster.dataDir, { makeInert: true, signal: frame.signal });
      // The tree checked against its backup_manifest while the WAL is copied: both read, neither waits.
      const [wal, verified] = await Promise.all([fetchBarmanWal(source, backup, cluster, jail, frame), verify()]);
      if (verified) await recordPostgresTool(frame.evidence.provenance, 'pg_verifybackup', cluster.tool('pg_verifybackup'));
      // restore_command decompresses Barman's compressed WAL as the replay reads it.
      if (wal.compressed) await recordToolVersions(frame.evidence.provenance, walDecompressorsIn(walDirOf(cluster)).map((name) => ({ name })), frame.signal);
      return {
        notes: [...layoutNotes(backup.layout), ...(verified ? ['checked against its backup_manifest'] : [])],
        dir: walDirOf(cluster),
        segments: wal.count,
        archivedAt: wal.archivedAt,
        ...(backup.segmentSizeBytes ? { segmentSizeBytes: backup.segmentSizeBytes } : {}),
        compressed: wal.compressed,
        newestSegment: wal.newest,
      };
    },
  };
}

/** What the drill's message says of how the backup was kept, when it is not a plain tree. */
function layoutNotes(layout: BarmanBackupLayout): string[] {
  if (layout.kind === 'tar') return [`unpacked from its ${layout.compression} tar files`];
  if (layout.kind === 'rsync') return ['an rsync copy given the backup_label of its backup.info'];
  return [];
}

/**
 * The backup's checksum (issue 17), from the restore's own reads: tar files hashed as tar reads them, as a tar-format
 * base backup run's are (drills/tar-run.ts TarRunHashes over data/); a plain tree's data/backup_manifest (where
 * pg_basebackup, which Barman's postgres backup_method runs, writes it) read while tar -c sends the tree. An rsync
 * copy has no backup_manifest, so no checksum.
 */
function barmanChecksum(source: BarmanSourceConfig, backup: BarmanBackupToDrill, hashes: TarRunHashes, frame: DrillFrame): () => Promise<ChecksumOutcome> {
  if (backup.layout.kind === 'tar') return () => hashes.outcome();
  if (backup.layout.kind === 'rsync') {
    const missing = { missing: 'an rsync backup (backup_method = rsync) has no backup_manifest to name its files' };
    return () => Promise.resolve(missing);
  }
  const reading = manifestChecksum(source, posix.join(backup.dataDir, 'backup_manifest'), frame.signal, frame.remaining());
  return () => reading;
}

/** The backup's files into the scratch cluster, by its layout; returns its check against its backup_manifest (false: none). */
async function unpackBackup(source: BarmanSourceConfig, backup: BarmanBackupToDrill, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame, hashes: TarRunHashes): Promise<() => Promise<boolean>> {
  const label = `Barman backup ${backup.id}`;
  const outside = (oid: string, target: string) => fail(`${label} links tablespace ${oid} to ${target}, outside its directory ${backup.dir}: drills never follow a backup's links out of it (Barman keeps each tablespace there, as <oid>)`);
  const { layout } = backup;
  if (layout.kind === 'tar') {
    const run = { dir: backup.dataDir, label };
    const names = await listRunDir(source, backup.dataDir, frame);
    await unpackTarRun(source, run, names, cluster, jail, frame, hashes);
    // tar ran the decompressor of the backup's compression (gzip, lz4, zstd) here, in the sandbox.
    await recordToolVersions(frame.evidence.provenance, [{ name: layout.compression }], frame.signal);
    if (!names.includes('backup_manifest') || cluster.install.major < 13) return async () => false;
    return () => verifyTarRunAgainstManifest(source, run, cluster, jail, frame, hashes).then(() => true);
  }
  await unpackPlainTree(source, { dir: backup.dataDir, area: backup.dir, outside }, cluster, jail, frame);
  if (layout.kind === 'plain') return () => verifyPlainAgainstManifest(cluster, jail, frame, label);
  // rsync leaves pg_tblspc/<oid> out of data/ and copies the tablespace to <id>/<oid>: backup.info names them.
  for (const oid of layout.tablespaceOids) {
    // Already there: a link unpackPlainTree followed inside the backup's directory, or the tree's own directory.
    if (lstatSync(join(cluster.dataDir, 'pg_tblspc', oid), { throwIfNoEntry: false })) continue;
    const dir = posix.join(backup.dir, oid);
    const refused = fail(`${label} keeps tablespace ${oid} in ${dir}, which leads outside its directory ${backup.dir}: drills never follow a backup's links out of it`);
    await unpackTablespace(source, { oid, from: dir, named: dir, area: backup.dir, outside: refused }, cluster, jail, frame);
  }
  writeBackupLabel(cluster, label, layout.backupLabel);
  return async () => false;
}

/**
 * backup.info's backup_label into the restored copy, the drill user's file of mode 0600. Barman 3.4 writes the
 * same text into data/ (its copy came with the tree): one that says otherwise was changed after Barman took it.
 */
function writeBackupLabel(cluster: ScratchCluster, label: string, text: string): void {
  const file = join(cluster.dataDir, 'backup_label');
  const copied = lstatSync(file, { throwIfNoEntry: false });
  if (copied && (!copied.isFile() || copied.size > MAX_BACKUP_LABEL_CHARS * 4 || readFileSync(file, 'utf8') !== text)) {
    throw fail(`${label}'s data/backup_label is not the backup_label its backup.info records: the copy was changed after Barman took it, and cannot be trusted to restore`);
  }
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  if (cluster.owner) chownSync(file, cluster.owner.uid, cluster.owner.gid);
}
