// A restore drill of one Barman backup and the WAL Barman holds, in the physical drill (drills/physical-drill.ts),
// without `barman recover` (which, without a target, copies the WAL into pg_wal and does crash recovery,
// following no timeline):
//
//   prepare  Barman says where the server's backups and WAL live (show-server) and what the backup is
//            (backup.info: DONE, backup_method = postgres, uncompressed, its begin_wal, PostgreSQL major and
//            segment size); anything else is refused with a sentence (drill-backup-info.ts)
//   restore  <basebackups_directory>/<id>/data, a plain pg_basebackup tree, unpacked into the scratch data
//            directory by tar in the drill's sandbox as the drill's user, as a plain base backup run is
//            (drills/physical-unpack.ts); its tablespace links point at <id>/<oid> beside it and are followed
//            only inside the backup's directory. Then checked against its backup_manifest where it has one
//   wal      every file xlog.db lists from begin_wal on (every timeline from the backup's own on) and every
//            .history file, as one tar stream into <drill>/wal, each named by its recorded compression so
//            restore_command decompresses it in the sandbox (fetch-wal.ts)
//   replay   to the end of the archive (drill.recovery: end-of-archive, the default) or the backup's end
//
// When the replay stops before the newest segment fetched (a file missing in between), the drill fails and says
// where: restores to later times are impossible.
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { drillError, fail } from '../../drills/drill-stop';
import { physicalDrill, physicalDrillOptions, type PhysicalRestore } from '../../drills/physical-drill';
import { unpackPlainTree, verifyPlainAgainstManifest } from '../../drills/physical-unpack';
import { walkTree } from '../../drills/snapshot-tree';
import { walDirOf } from '../../drills/wal-replay';
import type { DrillContext } from '../probe';
import { readBackupToDrill, type BarmanBackupToDrill } from './drill-backup-info';
import { fetchBarmanWal } from './fetch-wal';

export function runBarmanDrill(source: BarmanSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const options = physicalDrillOptions(source, backup, ctx, 'end-of-archive');
  return runDrill({ ...options, backupKey: backup.key }, async (frame) => {
    const found = await readBackupToDrill(source, backup.key, frame);
    // backup.info's version picks the binaries: a physical backup starts only on its own major.
    const drilled = found.pgMajor === null ? backup : { ...backup, meta: { ...backup.meta, pgVersion: String(found.pgMajor) } };
    return physicalDrill({ ...options, backup: drilled }, frame, barmanRestore(source, found, frame));
  });
}

function barmanRestore(source: BarmanSourceConfig, backup: BarmanBackupToDrill, frame: DrillFrame): PhysicalRestore {
  const from = source.host ? ` on ${source.host}` : '';
  return {
    detail: `copying Barman backup ${backup.id} of server ${source.server}${from}`,
    restored: `restored Barman backup ${backup.id} of server ${source.server}${source.host ? ` (copied from ${source.host})` : ''}`,
    async fill(cluster) {
      const jail = cluster.jail;
      if (!jail) throw drillError('a Barman drill runs only in its jail');
      await unpackPlainTree(
        source,
        {
          dir: backup.dataDir,
          area: backup.dir,
          outside: (oid, target) => fail(`Barman backup ${backup.id} links tablespace ${oid} to ${target}, outside its directory ${backup.dir}: drills never follow a backup's links out of it (Barman keeps each tablespace there, as <oid>)`),
        },
        cluster,
        jail,
        frame,
      );
      await walkTree(cluster.dataDir, { makeInert: true, signal: frame.signal });
      // The tree checked against its backup_manifest while the WAL is copied: both read, neither waits.
      const [wal, verified] = await Promise.all([fetchBarmanWal(source, backup, cluster, jail, frame), verifyPlainAgainstManifest(cluster, jail, frame, `Barman backup ${backup.id}`)]);
      return {
        notes: verified ? ['checked against its backup_manifest'] : [],
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
