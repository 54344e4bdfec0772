// Which backups stand out on the size chart: judged by the same measures as the backup-size and
// backup-unreadable rules, but for every backup, not only the newest.
import type { BackupAnomaly } from '../../../shared/api';
import type { ObservedBackup } from '../../../shared/model';
import { SIZE_DROP_RATIO, isReadable, previousMedianSize } from './rules';

export function sizeAnomaly(backup: ObservedBackup, history: readonly ObservedBackup[], minSize?: number): BackupAnomaly {
  if (!isReadable(backup)) return 'unreadable';
  if (minSize !== undefined && backup.sizeBytes < minSize) return 'small';
  const median = previousMedianSize(history, backup);
  return median !== null && backup.sizeBytes < median.value * SIZE_DROP_RATIO ? 'small' : null;
}
