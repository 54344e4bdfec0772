// Polls of a WAL-keeping source as a basebackup probe records them, for the source page's WAL series tests and
// benchmark (test/bench/source-page.ts): a base backup every night kept for a week, the archive's timeline
// switching now and then (each switch adds a window), a gap for a few hours every few weeks, and, at the
// rhythm the caller asks, polls that failed, polls whose archive could not be listed, polls recorded before
// the archive was listed, an archive without a newest time, and polls of another kind under the same id.
import type { WalArchiveView, WalWindowPoint } from '../../../shared/api';
import { walWindowColumns } from '../../../electron/engine/store/wal-windows';
import type { BaseBackupMetrics, DumpDirMetrics, Poll, WalArchiveSummary, WalRecoverableWindow } from '../../../shared/model';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SEGMENT_EVERY = 5 * MINUTE;

/** Which odd polls to make, each every n-th poll (0: never). */
export interface WalPollRhythm {
  failed: number;
  unlisted: number;
  notListedYet: number;
  noNewestTime: number;
  otherKind: number;
  firstSegmentMissing: number;
}

export const YEAR_RHYTHM: WalPollRhythm = { failed: 97, unlisted: 211, notListedYet: 0, noNewestTime: 0, otherKind: 0, firstSegmentMissing: 0 };

/** The polls every `every` ms from `start` (inclusive) to `end` (exclusive); timelines and gaps count from `origin`. */
export function walArchivePolls(sourceId: string, opts: { origin: number; start: number; end: number; every: number; rhythm: WalPollRhythm }): Poll[] {
  const polls: Poll[] = [];
  let n = 0;
  for (let at = opts.start; at < opts.end; at += opts.every, n++) polls.push(walArchivePoll(sourceId, at, opts.origin, n, opts.rhythm));
  return polls;
}

function every(n: number, period: number): boolean {
  return period > 0 && n % period === period - 1;
}

function walArchivePoll(sourceId: string, at: number, origin: number, n: number, rhythm: WalPollRhythm): Poll {
  const base = { sourceId, at, durationMs: 800 + (n % 300), newestBackupSize: 4_000_000_000 + n, storedBytes: 6_000_000_000 + n } as const;
  if (every(n, rhythm.failed)) {
    return { ...base, ok: false, error: { code: 'timeout', message: 'backup1.example.net did not answer within 30s', host: 'backup1.example.net' }, metrics: null, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'unknown' };
  }
  const newestBackupAt = nightOf(at) + 2 * HOUR > at ? nightOf(at) - DAY + 2 * HOUR : nightOf(at) + 2 * HOUR;
  if (every(n, rhythm.otherKind)) {
    const metrics: DumpDirMetrics = { kind: 'dump-dir', fileCount: 7, totalBytes: 350_000_000 + n, inProgress: 0 };
    return { ...base, ok: true, error: null, metrics, newestBackupAt, status: 'ok' };
  }
  const metrics: BaseBackupMetrics = {
    kind: 'basebackup',
    backupCount: 7,
    backupBytes: 28_000_000_000 + n,
    archiveBytes: 2_000_000_000 + n * 16,
    archiveFiles: 2016,
    newestSegment: null,
    newestSegmentAt: at - 2 * MINUTE,
    walSegmentSize: 16 * 1024 * 1024,
    walArchive: null,
  };
  if (every(n, rhythm.unlisted)) {
    metrics.walArchiveError = 'walArchive /srv/wal could not be listed: Permission denied';
  } else {
    metrics.walArchive = walSummary(at, origin, n, rhythm);
    metrics.newestSegment = metrics.walArchive.newestSegment;
  }
  if (every(n, rhythm.notListedYet)) delete (metrics as Partial<BaseBackupMetrics>).walArchive;
  return { ...base, ok: true, error: null, metrics, newestBackupAt, status: metrics.walArchive === null ? 'warning' : 'ok' };
}

function nightOf(at: number): number {
  return at - (at % DAY);
}

/** Segment name of the n-th 16 MB segment on a timeline. */
function segment(timeline: number, n: number): string {
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(Math.floor(n / 256)) + hex(n % 256);
}

/** The archive as a poll at `at` sees it: a week of base backups, a timeline switch every 100 days, a 3-hour gap every 23 days. */
function walSummary(at: number, origin: number, n: number, rhythm: WalPollRhythm): WalArchiveSummary {
  const timeline = 1 + Math.floor((at - origin) / (100 * DAY));
  const chain = Array.from({ length: timeline }, (_, i) => i + 1);
  const oldestBackup = nightOf(at) - 6 * DAY + 2 * HOUR;
  const segmentAt = (time: number) => Math.floor((time - origin) / SEGMENT_EVERY);
  const newestArchivedAt = at - 2 * MINUTE;
  const start = segmentAt(oldestBackup);
  const newest = segmentAt(newestArchivedAt);
  const inGap = (at - origin) % (23 * DAY) >= 20 * DAY && (at - origin) % (23 * DAY) < 20 * DAY + 3 * HOUR;
  const missing = inGap ? 2 + (n % 19) : 0;
  const gapAfter = newest - 30;
  const firstMissing = every(n, rhythm.firstSegmentMissing);
  const windows: WalRecoverableWindow[] = chain.map((tl) => {
    const switchedAt = origin + tl * 100 * DAY;
    const last = tl === timeline ? newest : segmentAt(switchedAt);
    return {
      timeline: tl,
      fromSegment: segment(tl, start),
      fromArchivedAt: firstMissing ? null : oldestBackup + (tl - 1) * MINUTE,
      toSegment: segment(tl, last),
      toArchivedAt: tl === timeline ? newestArchivedAt : Math.min(switchedAt, newestArchivedAt - tl * HOUR),
    };
  });
  const noNewestTime = every(n, rhythm.noNewestTime);
  return {
    segmentSize: 16 * 1024 * 1024,
    timeline,
    chain,
    startSegment: segment(timeline, start),
    newestSegment: segment(timeline, newest),
    newestArchivedAt: noNewestTime ? null : newestArchivedAt,
    newestPartial: n % 3 === 0 ? { name: `${segment(timeline, newest + 1)}.partial`, archivedAt: at - MINUTE } : null,
    segmentsExpected: newest - start + 1,
    segmentsPresent: newest - start + 1 - missing,
    missingSegments: missing,
    gapCount: missing > 0 ? 1 + (n % 2) : 0,
    gaps:
      missing > 0
        ? [
            // With the first needed segment missing, recovery stops before it: no segment, no time.
            firstMissing
              ? { after: null, afterArchivedAt: null, missing: missing - (n % 2), firstMissing: segment(timeline, start) }
              : { after: segment(timeline, gapAfter), afterArchivedAt: newestArchivedAt - 30 * SEGMENT_EVERY, missing: missing - (n % 2), firstMissing: segment(timeline, gapAfter + 1) },
            ...(n % 2 === 1 ? [{ after: segment(timeline, gapAfter + 10), afterArchivedAt: newestArchivedAt - 20 * SEGMENT_EVERY, missing: 1, firstMissing: segment(timeline, gapAfter + 11) }] : []),
          ]
        : [],
    windows,
    truncated: [],
    truncatedCount: 0,
    missingHistories: [],
    otherTimelines: timeline > 1 && n % 5 === 0 ? [timeline + 1] : [],
  };
}

/**
 * What the source page showed before the store indexed the windows, computed the way it did then, from whole
 * polls oldest first: per poll with a summary its window; per time bucket the one with the most segments missing,
 * the last on a tie; and the newest poll whose metrics hold walArchive. The reference the store is compared with.
 */
export function walSeriesFromPolls(polls: readonly Poll[], from: number, to: number, buckets: number): { walWindows: WalWindowPoint[]; newest: WalArchiveView | null; newestPoll: Poll | null } {
  const width = Math.max(1, (to - from) / buckets);
  const chosen = new Map<number, WalWindowPoint>();
  let newest: WalArchiveView | null = null;
  let newestPoll: Poll | null = null;
  for (const poll of polls) {
    if (poll.at < from || poll.at > to) continue;
    const metrics = poll.metrics;
    if (metrics === null || !('walArchive' in metrics) || metrics.walArchive === undefined) continue;
    const summary = metrics.walArchive;
    newestPoll = poll;
    newest = { at: poll.at, summary, error: summary === null ? (metrics.walArchiveError ?? null) : null };
    if (summary === null) continue;
    // The poll's window as the store takes it at ingest (the page's own rule before; the migration's SQL is compared with it).
    const [, windowFrom, windowTo, missing, stopsAt] = walWindowColumns(metrics);
    const point: WalWindowPoint = { at: poll.at, from: windowFrom, to: windowTo, missing: missing as number, stopsAt };
    const bucket = Math.min(buckets - 1, Math.floor((poll.at - from) / width));
    const held = chosen.get(bucket);
    if (held === undefined || point.missing >= held.missing) chosen.set(bucket, point);
  }
  return { walWindows: [...chosen.values()].sort((a, b) => a.at - b.at), newest, newestPoll };
}
