// The one size judgement: whether a backup is smaller than it should be, against the source's minSize and
// against the median of the backups before it. The backup-size rule (newest backup), pgBackRest's full-backup
// rule (newest full against earlier fulls) and the size chart's anomalies (every backup) all ask it, each
// handing it the history to compare with.
import type { ObservedBackup } from '../../../shared/model';
import { byNewest, newestFirst } from '../../../shared/newest-backup';

/** A backup smaller than this share of the recent median is treated as a failed backup. */
export const SIZE_DROP_RATIO = 0.5;
/** How many earlier backups the median is taken over, and how many it needs to mean anything. */
const SIZE_MEDIAN_WINDOW = 7;
const SIZE_MEDIAN_MIN = 3;

/** Zero bytes is unreadable whatever the probe says. */
export function isReadable(backup: ObservedBackup): boolean {
  return backup.readable && backup.sizeBytes > 0;
}

export interface MedianSize {
  value: number;
  /** How many backups it is the median of. */
  count: number;
}

/**
 * The median size of the (up to 7) readable backups of the same database before `newest`; null below 3.
 * When the newest names its database, only dumps of the same database count: one directory often holds a big
 * and a small database's dumps.
 */
export function previousMedianSize(history: readonly ObservedBackup[], newest: ObservedBackup): MedianSize | null {
  const dbName = newest.meta?.header?.dbName;
  const previous = byNewest(history)
    .filter((b) => newestFirst(newest, b) < 0 && b.key !== newest.key && isReadable(b))
    .filter((b) => dbName === undefined || b.meta?.header?.dbName === dbName)
    .slice(0, SIZE_MEDIAN_WINDOW);
  if (previous.length < SIZE_MEDIAN_MIN) return null;
  const sizes = previous.map((b) => b.sizeBytes).sort((a, b) => a - b);
  const mid = Math.floor(sizes.length / 2);
  const value = sizes.length % 2 === 1 ? sizes[mid]! : (sizes[mid - 1]! + sizes[mid]!) / 2;
  return { value, count: previous.length };
}

export interface SizeJudgement {
  /** What it is too small for: the source's minSize first, else the median of the backups before it; null when fine. */
  tooSmall: 'minSize' | 'median' | null;
  /** The median it was compared with (null: fewer than 3 earlier backups to compare with). */
  median: MedianSize | null;
  /** Under SIZE_DROP_RATIO of that median (also true when minSize is what tooSmall names). */
  belowMedian: boolean;
}

/** Judges `backup`'s size against minSize and the median of the earlier backups in `history` (already like with like). */
export function judgeSize(backup: ObservedBackup, history: readonly ObservedBackup[], minSize: number | undefined): SizeJudgement {
  const median = previousMedianSize(history, backup);
  const belowMedian = median !== null && backup.sizeBytes < median.value * SIZE_DROP_RATIO;
  const tooSmall = minSize !== undefined && backup.sizeBytes < minSize ? 'minSize' : belowMedian ? 'median' : null;
  return { tooSmall, median, belowMedian };
}

/** The size under which a backup is too small for the median: the `limit` a finding reports. */
export function medianLimit(median: MedianSize): number {
  return Math.ceil(median.value * SIZE_DROP_RATIO);
}
