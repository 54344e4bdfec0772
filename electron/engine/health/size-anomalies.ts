// Which backups stand out on the size chart: judged by the same size judgement as the backup-size and
// backup-unreadable rules (size.ts), but for every backup, not only the newest.
import type { BackupAnomaly } from '../../../shared/api';
import type { ObservedBackup } from '../../../shared/model';
import { isReadable, judgeSize } from './size';

export function sizeAnomaly(backup: ObservedBackup, history: readonly ObservedBackup[], minSize?: number): BackupAnomaly {
  if (!isReadable(backup)) return 'unreadable';
  // A differential or incremental backup is as small as the changes since the last one: normal, not a failure.
  if (backup.type === 'diff' || backup.type === 'incr') return null;
  // Like with like: a full backup against earlier fulls, a dump against earlier dumps.
  return judgeSize(backup, history.filter((b) => b.type === backup.type), minSize).tooSmall ? 'small' : null;
}
