// backup_manifest, read at both ends only: its head says its version (and, from PostgreSQL 17, the system
// identifier); its tail, after the list of every file (which can run to gigabytes), holds the WAL-Ranges the
// backup needs and the manifest's own SHA-256 checksum. The middle is never read here: pg_verifybackup, in a
// drill, checks every file against it.

/** How much of each end is read: the head's first lines, and a tail long enough for many timelines' ranges. */
export const MANIFEST_HEAD_BYTES = 4096;
export const MANIFEST_TAIL_BYTES = 64 * 1024;

export interface WalRange {
  timeline: number;
  startLsn: string;
  endLsn: string;
}

export interface ManifestEnds {
  version: number | null;
  systemIdentifier: string | null;
  walRanges: WalRange[];
  /** The manifest's own checksum (hex SHA-256), as it states it; null when the tail does not hold it (cut short). */
  checksum: string | null;
}

/** What the first and last bytes of a backup_manifest say. A tail without "Manifest-Checksum" means a manifest cut short. */
export function parseManifestEnds(head: string, tail: string): ManifestEnds {
  const version = /"PostgreSQL-Backup-Manifest-Version"\s*:\s*(\d{1,4})/.exec(head);
  const system = /"System-Identifier"\s*:\s*(\d{1,20})/.exec(head);
  const checksum = /"Manifest-Checksum"\s*:\s*"([0-9a-f]{64})"\s*\}\s*$/.exec(tail);
  const walRanges: WalRange[] = [];
  const rangesAt = tail.lastIndexOf('"WAL-Ranges"');
  if (rangesAt >= 0) {
    const range = /\{\s*"Timeline"\s*:\s*(\d{1,10})\s*,\s*"Start-LSN"\s*:\s*"([0-9A-Fa-f]+\/[0-9A-Fa-f]+)"\s*,\s*"End-LSN"\s*:\s*"([0-9A-Fa-f]+\/[0-9A-Fa-f]+)"\s*\}/g;
    for (const match of tail.slice(rangesAt).matchAll(range)) {
      walRanges.push({ timeline: Number(match[1]), startLsn: match[2]!.toUpperCase(), endLsn: match[3]!.toUpperCase() });
      if (walRanges.length >= 1024) break;
    }
  }
  return { version: version ? Number(version[1]) : null, systemIdentifier: system?.[1] ?? null, walRanges, checksum: checksum?.[1] ?? null };
}
