// What `borg info --json` says of one archive, read by the polls (observe.ts) and the drill (drill.ts) alike.
import { parseBorgTime } from './borg-run';

/** What `borg info` says of one archive; archives are immutable, so this never goes stale. */
export interface BorgArchiveInfo {
  id: string;
  name: string;
  startedAt: number;
  finishedAt: number;
  originalSize: number;
  compressedSize: number;
  deduplicatedSize: number;
  nfiles: number;
  hostname: string | null;
}

/** One archive of `borg info --json` (facts §5: end, duration, stats{original_size, compressed_size, deduplicated_size, nfiles}). */
export function parseArchiveInfo(raw: unknown): BorgArchiveInfo | null {
  const a = raw as { id?: unknown; name?: unknown; start?: unknown; end?: unknown; hostname?: unknown; stats?: Record<string, unknown> };
  const startedAt = parseBorgTime(a.start);
  const finishedAt = parseBorgTime(a.end) ?? startedAt;
  if (typeof a.id !== 'string' || typeof a.name !== 'string' || startedAt === null || finishedAt === null) return null;
  const num = (key: string) => (typeof a.stats?.[key] === 'number' ? (a.stats[key] as number) : 0);
  return {
    id: a.id,
    name: a.name,
    startedAt,
    finishedAt,
    originalSize: num('original_size'),
    compressedSize: num('compressed_size'),
    deduplicatedSize: num('deduplicated_size'),
    nfiles: num('nfiles'),
    hostname: typeof a.hostname === 'string' ? a.hostname : null,
  };
}
