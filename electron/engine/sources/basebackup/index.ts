// The basebackup kind: a directory of pg_basebackup runs (plain or tar format, compressed or not) and the WAL
// archive archive_command fills, here or over ssh. observe.ts reads each run natively (read-backup.ts:
// backup_label, tablespace_map, PG_VERSION, backup_manifest's ends, the archived .backup history file) and
// checks the archive's continuity; rules.ts judges what only this kind has. drill.ts restores a run and replays the
// archive to its end (or the run's end) in the physical drill.
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import { formatBytes, formatDuration } from '../../../../shared/units';
import { BACKUP_RULES, backupSize } from '../../health/backup-rules';
import { walContinuityRule } from '../../health/wal-rules';
import type { SourceModule } from '../module';
import { basebackupObserver } from './observe';
import { runBaseBackupDrill } from './drill';
import { listWalArchive } from './wal-archive';
import { BASEBACKUP_RULES } from './rules';
import { BASEBACKUP_WORDS, basebackupLocation } from './words';

export const basebackupProbe: SourceModule<BaseBackupSourceConfig> = {
  ...basebackupObserver(listWalArchive),
  drill: (source, backup, ctx) => runBaseBackupDrill(source, backup, ctx),
  // Sizes are judged like with like (rules.ts): a tar.gz run is not a plain run gone small.
  rules: [...BACKUP_RULES.filter((rule) => rule !== backupSize), ...BASEBACKUP_RULES, walContinuityRule],
  words: BASEBACKUP_WORDS,
  location: basebackupLocation,
  keepsWal: true,
  storedLabel: 'Base backups and WAL archive',
  storedBytes: (metrics) => metrics.backupBytes + metrics.archiveBytes,
  describe(metrics, newest, now) {
    const backups = `${metrics.backupCount} base backup${metrics.backupCount === 1 ? '' : 's'} (${formatBytes(metrics.backupBytes)}), WAL archive ${formatBytes(metrics.archiveBytes)}`;
    const wal = metrics.newestSegment && metrics.newestSegmentAt !== null ? `, newest segment ${metrics.newestSegment} archived ${formatDuration(Math.max(0, now - metrics.newestSegmentAt))} ago` : ', no segment archived';
    const running = metrics.inProgress ? `, ${metrics.inProgress} run${metrics.inProgress === 1 ? '' : 's'} under way` : '';
    return `${backups}${wal}${newest ? `, newest backup ${formatDuration(Math.max(0, now - newest.finishedAt))} ago` : ''}${running}`;
  },
  passwordFile: () => undefined,
  // A physical backup of the whole cluster.
  covers: () => 'cluster',
};
