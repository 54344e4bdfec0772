// Is every WAL segment that point-in-time recovery needs in the archive? From the start segment of the
// oldest retained base backup to the newest archived segment, along the timeline chain recovery follows.
//
// Pure: it takes a listing (names, sizes, modification times) and the parsed .history files, and returns a
// JSON-serialisable WalArchiveSummary. Built for archives of 100,000 segments and more: names are parsed
// from character codes, segments are sorted once per timeline, and names are only formatted for what the
// summary reports.
import type { WalArchiveSummary, WalGap, WalRecoverableWindow } from '../../../shared/model';
import { checkSegmentSize, parseWalFileName, segmentName } from './names';
import { timelineChain, timelineOfSegment, type TimelineHistory, type TimelineSpan } from './timelines';

/** One file of a WAL archive, as archive-listing.ts (or pgBackRest's repo-ls) lists it. */
export interface WalArchiveEntry {
  name: string;
  sizeBytes: number;
  /** When it was written to the archive (epoch ms). */
  mtimeMs: number;
}

export interface WalContinuityInput {
  listing: readonly WalArchiveEntry[];
  /** wal_segment_size, read from the backup (never assumed). */
  segmentSize: number;
  /** The oldest retained base backup's start segment name (its timeline is ignored); null: from the oldest archived segment. */
  startSegment: string | null;
  /** The archive's .history files, parsed (timelines.ts). */
  histories: readonly TimelineHistory[];
  /** The timeline to follow; default: the timeline of the most recently archived full segment, or a newer one continuing it (defaultTarget). */
  targetTimeline?: number;
  /** How many gaps and truncated segments to keep in detail (default 5); the counts cover all. */
  detail?: number;
}

const DEFAULT_DETAIL = 5;

export function walContinuity(input: WalContinuityInput): WalArchiveSummary {
  const { listing, segmentSize, histories } = input;
  checkSegmentSize(segmentSize);
  const detail = input.detail ?? DEFAULT_DETAIL;

  // Full segments by timeline (entry indices); .partial files; the newest-archived full segment.
  const byTimeline = new Map<number, number[]>();
  const segmentOf = new Float64Array(listing.length);
  const partials: { index: number; timeline: number; segment: number }[] = [];
  let latestIndex = -1;
  let latestTimeline = 0;
  for (let i = 0; i < listing.length; i++) {
    const entry = listing[i]!;
    const file = parseWalFileName(entry.name, segmentSize);
    if (file === null) continue;
    if (file.kind === 'partial') partials.push({ index: i, timeline: file.timeline, segment: file.segment });
    else if (file.kind === 'segment') {
      segmentOf[i] = file.segment;
      let list = byTimeline.get(file.timeline);
      if (list === undefined) byTimeline.set(file.timeline, (list = []));
      list.push(i);
      if (latestIndex < 0 || isLater(entry, file.timeline, file.segment, listing[latestIndex]!, latestTimeline, segmentOf[latestIndex]!)) {
        latestIndex = i;
        latestTimeline = file.timeline;
      }
    }
  }
  const truncatedAt = (i: number): boolean => {
    const name = listing[i]!.name;
    // Only uncompressed files can be measured against the segment size.
    return listing[i]!.sizeBytes !== segmentSize && !hasCompression(name);
  };

  const target = input.targetTimeline ?? (latestIndex >= 0 ? defaultTarget(latestTimeline, segmentOf[latestIndex]!, byTimeline, listing, histories, segmentSize) : Math.max(1, ...histories.map((h) => h.timeline)));
  const haveHistory = histories.some((h) => h.timeline === target);
  const chain = haveHistory || target === 1 ? timelineChain(target, histories, segmentSize) : guessedChain(target, byTimeline, segmentOf, segmentSize);
  // Recovery to a timeline above 1 reads its .history file; without it (not archived, or not readable), it
  // cannot find its way.
  const missingHistories = target > 1 && !haveHistory ? [target] : [];

  // Sort each chain timeline's segments once; where a segment has several copies (say .gz and plain), a
  // whole one first, so a good copy is the one counted.
  const chainTimelines = new Set(chain.map((span) => span.timeline));
  for (const timeline of chainTimelines) {
    const list = byTimeline.get(timeline);
    if (list) list.sort((a, b) => segmentOf[a]! - segmentOf[b]! || Number(truncatedAt(a)) - Number(truncatedAt(b)));
  }
  const otherTimelines = [...byTimeline.keys()].filter((t) => !chainTimelines.has(t)).sort((a, b) => a - b);

  // The newest full segment along the chain: the last span holding any segment in its range.
  let newest = -1;
  let newestIndex = -1;
  let newestTimeline = target;
  for (let s = chain.length - 1; s >= 0 && newestIndex < 0; s--) {
    const span = chain[s]!;
    const list = byTimeline.get(span.timeline);
    if (!list) continue;
    for (let k = list.length - 1; k >= 0; k--) {
      const seg = segmentOf[list[k]!]!;
      if (seg < span.firstSegment) break;
      if (span.lastSegment !== null && seg > span.lastSegment) continue;
      newest = seg;
      newestIndex = list[k]!;
      newestTimeline = span.timeline;
      break;
    }
  }

  let start: number;
  if (input.startSegment !== null) {
    const parsed = parseWalFileName(input.startSegment, segmentSize);
    if (parsed === null || parsed.kind !== 'segment') {
      throw new RangeError(`start segment "${input.startSegment}" is not a WAL segment name with ${segmentSize}-byte segments`);
    }
    start = parsed.segment;
  } else {
    start = oldestOnChain(chain, byTimeline, segmentOf);
  }

  const summary: WalArchiveSummary = {
    segmentSize,
    timeline: target,
    chain: chain.map((span) => span.timeline),
    startSegment: input.startSegment,
    newestSegment: newestIndex >= 0 ? segmentName(newestTimeline, newest, segmentSize) : null,
    newestArchivedAt: newestIndex >= 0 ? listing[newestIndex]!.mtimeMs : null,
    newestPartial: null,
    segmentsExpected: 0,
    segmentsPresent: 0,
    missingSegments: 0,
    gapCount: 0,
    gaps: [],
    windows: [],
    truncated: [],
    truncatedCount: 0,
    missingHistories,
    otherTimelines,
  };

  // The newest WAL only as .partial: a .partial of the chain newer than every full segment of it.
  for (const p of partials) {
    if (!chainTimelines.has(p.timeline) || p.segment <= newest) continue;
    const current = summary.newestPartial;
    if (current === null || listing[p.index]!.mtimeMs > current.archivedAt) {
      summary.newestPartial = { name: listing[p.index]!.name, archivedAt: listing[p.index]!.mtimeMs };
    }
  }

  if (start < 0) return summary; // nothing archived on the chain and no start given
  if (newestIndex < 0 || newest < start) {
    // Nothing from the start on: the oldest base backup cannot even reach consistency.
    const timeline = spanAt(chain, start).timeline;
    summary.segmentsExpected = 1;
    summary.missingSegments = 1;
    summary.gapCount = 1;
    summary.gaps.push({ after: null, afterArchivedAt: null, missing: 1, firstMissing: segmentName(timeline, start, segmentSize) });
    return summary;
  }

  // Walk the chain from the start to the newest, counting what is there and what is not.
  let lastTimeline = 0;
  let lastSegment = -1;
  let lastIndex = -1;
  const gap = (timeline: number, firstMissing: number, missing: number): void => {
    summary.gapCount++;
    summary.missingSegments += missing;
    if (summary.gaps.length < detail) {
      const g: WalGap = {
        after: lastIndex >= 0 ? segmentName(lastTimeline, lastSegment, segmentSize) : null,
        afterArchivedAt: lastIndex >= 0 ? listing[lastIndex]!.mtimeMs : null,
        missing,
        firstMissing: segmentName(timeline, firstMissing, segmentSize),
      };
      summary.gaps.push(g);
    }
  };
  let windowFrom: { segment: string; at: number | null } | null = null;
  for (const span of chain) {
    const lo = Math.max(span.firstSegment, start);
    const hi = span.lastSegment === null ? newest : Math.min(span.lastSegment, newest);
    if (lo > hi) continue;
    summary.segmentsExpected += hi - lo + 1;
    const list = byTimeline.get(span.timeline) ?? [];
    let cursor = lo;
    let firstIndex = -1;
    let windowEnd = -1;
    let windowEndIndex = -1;
    for (let k = lowerBound(list, segmentOf, lo); k < list.length; k++) {
      const i = list[k]!;
      const seg = segmentOf[i]!;
      if (seg > hi) break;
      if (seg < cursor) continue; // another copy of a segment already counted
      if (seg > cursor) gap(span.timeline, cursor, seg - cursor);
      if (seg === lo) firstIndex = i;
      summary.segmentsPresent++;
      if (truncatedAt(i)) {
        summary.truncatedCount++;
        if (summary.truncated.length < detail) summary.truncated.push({ name: listing[i]!.name, sizeBytes: listing[i]!.sizeBytes });
      }
      lastTimeline = span.timeline;
      lastSegment = seg;
      lastIndex = i;
      windowEnd = seg;
      windowEndIndex = i;
      cursor = seg + 1;
    }
    if (cursor <= hi) gap(span.timeline, cursor, hi - cursor + 1);
    // The window of a timeline: from the start (on whichever timeline it lies) to that timeline's newest
    // archived segment: the times a recovery targeting that timeline can reach, gaps aside.
    if (windowFrom === null) windowFrom = { segment: segmentName(span.timeline, lo, segmentSize), at: firstIndex >= 0 ? listing[firstIndex]!.mtimeMs : null };
    const window: WalRecoverableWindow = {
      timeline: span.timeline,
      fromSegment: windowFrom.segment,
      fromArchivedAt: windowFrom.at,
      toSegment: segmentName(span.timeline, windowEnd >= 0 ? windowEnd : hi, segmentSize),
      toArchivedAt: windowEndIndex >= 0 ? listing[windowEndIndex]!.mtimeMs : null,
    };
    summary.windows.push(window);
  }
  return summary;
}

/**
 * The timeline to follow when none is given: that of the most recently archived full segment, since the
 * lexically largest names may belong to an abandoned timeline. Unless a newer timeline whose history passes
 * through that segment (recovery to it would read that very file) has segments of its own: then the segment
 * was archived late (a promoted server archiving its old timeline's last segments after its first new ones)
 * and the newer timeline is the one going on. Among several, the one archived most recently.
 */
function defaultTarget(
  latestTimeline: number,
  latestSegment: number,
  byTimeline: Map<number, number[]>,
  listing: readonly WalArchiveEntry[],
  histories: readonly TimelineHistory[],
  segmentSize: number,
): number {
  let best = latestTimeline;
  let bestAt = -Infinity;
  for (const history of histories) {
    const own = byTimeline.get(history.timeline);
    if (history.timeline <= latestTimeline || !own) continue;
    if (timelineOfSegment(timelineChain(history.timeline, histories, segmentSize), latestSegment) !== latestTimeline) continue;
    let at = -Infinity;
    for (const i of own) at = Math.max(at, listing[i]!.mtimeMs);
    if (at > bestAt) {
      best = history.timeline;
      bestAt = at;
    }
  }
  return best;
}

/** Which entry was archived later: by time, then the newer timeline, then the later segment. */
function isLater(a: { mtimeMs: number }, aTimeline: number, aSegment: number, b: { mtimeMs: number }, bTimeline: number, bSegment: number): boolean {
  if (a.mtimeMs !== b.mtimeMs) return a.mtimeMs > b.mtimeMs;
  if (aTimeline !== bTimeline) return aTimeline > bTimeline;
  return aSegment > bSegment;
}

function hasCompression(name: string): boolean {
  // A segment name is 24 hex digits, or 65 with pgBackRest's checksum; anything after is a compression suffix.
  return name.length !== 24 && name.length !== 65;
}

function spanAt(chain: readonly TimelineSpan[], segment: number): TimelineSpan {
  for (let s = chain.length - 1; s >= 0; s--) if (chain[s]!.firstSegment <= segment) return chain[s]!;
  return chain[0]!;
}

function lowerBound(list: readonly number[], segmentOf: Float64Array, segment: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segmentOf[list[mid]!]! < segment) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function oldestOnChain(chain: readonly TimelineSpan[], byTimeline: Map<number, number[]>, segmentOf: Float64Array): number {
  for (const span of chain) {
    const list = byTimeline.get(span.timeline);
    if (!list) continue;
    const k = lowerBound(list, segmentOf, span.firstSegment);
    if (k < list.length && (span.lastSegment === null || segmentOf[list[k]!]! <= span.lastSegment)) return segmentOf[list[k]!]!;
  }
  return -1;
}

/**
 * Without the target's .history file, recovery cannot follow it (the summary says so); for counting, the
 * chain is guessed from the archive: the newest lower timeline with segments, switching at the target's
 * oldest segment.
 */
function guessedChain(target: number, byTimeline: Map<number, number[]>, segmentOf: Float64Array, segmentSize: number): TimelineSpan[] {
  const own = byTimeline.get(target);
  let begin = Infinity;
  for (const i of own ?? []) begin = Math.min(begin, segmentOf[i]!);
  const parents = [...byTimeline.keys()].filter((t) => t < target).sort((a, b) => b - a);
  if (!Number.isFinite(begin) || parents.length === 0 || begin === 0) {
    return [{ timeline: target, firstSegment: 0, lastSegment: null, beginLsn: null }];
  }
  return [
    { timeline: parents[0]!, firstSegment: 0, lastSegment: begin - 1, beginLsn: null },
    { timeline: target, firstSegment: begin, lastSegment: null, beginLsn: BigInt(begin) * BigInt(segmentSize) },
  ];
}
