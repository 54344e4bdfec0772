// Which backups stand out on the size chart: judged by the same measures as the backup-size and
// backup-unreadable rules, but for every backup, not only the newest.
import type { BackupAnomaly } from '../../../shared/api';
import type { ObservedBackup } from '../../../shared/model';
import { SIZE_DROP_RATIO, isReadable, previousMedianSize } from './rules';

export function sizeAnomaly(backup: ObservedBackup, history: readonly ObservedBackup[], minSize?: number): BackupAnomaly {
  if (!isReadable(backup)) return 'unreadable';
  // A differential or incremental backup is as small as the changes since the last one: normal, not a failure.
  if (backup.type === 'diff' || backup.type === 'incr') return null;
  if (minSize !== undefined && backup.sizeBytes < minSize) return 'small';
  // Like with like: a full backup against earlier fulls, a dump against earlier dumps.
  const median = previousMedianSize(history.filter((b) => b.type === backup.type), backup);
  return median !== null && backup.sizeBytes < median.value * SIZE_DROP_RATIO ? 'small' : null;
}
