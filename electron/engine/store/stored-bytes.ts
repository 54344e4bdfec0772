// The one size per poll that the storage chart follows, whatever the kind: what the backups take up where
// they are kept, or for a PostgreSQL server what its databases take up. A repository that suddenly shrinks
// (a prune gone wrong) or stops growing shows on that line.
import type { SourceMetrics } from '../../../shared/model';

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
  }
  // No default: a kind missing above does not build (its chart would stay empty). Its label: sources/<kind>/index.ts.
}
