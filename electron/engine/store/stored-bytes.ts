// The one size per poll that the storage chart follows, whatever the kind: what the backups take up where
// they are kept, or for a PostgreSQL server what its databases take up. A repository that suddenly shrinks
// (a prune gone wrong) or stops growing shows on that line.
import type { SourceKind, SourceMetrics } from '../../../shared/model';

/** What stored_bytes means for each kind, in the words the chart title uses. */
export const STORED_BYTES_LABEL: Record<SourceKind, string> = {
  restic: 'Repository size',
  borg: 'Repository size',
  pgbackrest: 'Repository size',
  'dump-dir': 'Dump directory size',
  postgres: 'Database size',
};

/** The poll's stored size in bytes; null when the poll failed or the probe could not measure it. */
export function storedBytesOf(metrics: SourceMetrics | null): number | null {
  if (metrics === null) return null;
  switch (metrics.kind) {
    case 'restic':
    case 'borg':
      return metrics.repoSizeBytes;
    case 'pgbackrest':
      return metrics.repoSizeBytes ?? null;
    case 'dump-dir':
      return metrics.totalBytes;
    case 'postgres': {
      // The databases the monitoring role may size; none of them is "not known", not 0 bytes.
      let sum: number | null = null;
      for (const database of metrics.databases) if (database.sizeBytes !== null) sum = (sum ?? 0) + database.sizeBytes;
      return sum;
    }
    default:
      return null;
  }
}
