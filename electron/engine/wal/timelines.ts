// Timelines, as recovery follows them (src/backend/access/transam/timeline.c and xlogrecovery.c).
//
// A promoted standby (or a point-in-time recovery) starts a new timeline and archives <tli>.history: one line
// per ancestor, oldest first, "<parent tli>\t<switch LSN>\t<reason>", where the switch LSN is where that
// ancestor ended. The history file of a timeline therefore holds its whole chain back to timeline 1.
//
// Recovery reads segment N from the newest timeline of the chain that began at or before N's start (the
// loop over expected timelines in XLogFileReadAnyTLI skips a timeline whose beginning segment is after N).
// The segment holding a switch point exists twice: the old timeline's copy (archived as .partial since
// PostgreSQL 9.5) and the new timeline's full copy, which is the one read.
import { parseLsn, segmentOfLsn, timelineHistoryName } from './names';

export interface TimelineSwitch {
  /** The ancestor timeline that ended here. */
  parent: number;
  /** Where it ended: the first position of the next timeline of the chain. */
  switchLsn: bigint;
  /** Why, as PostgreSQL wrote it: "no recovery target specified", "before 2026-11-30 04:12:00+00", … */
  reason: string;
}

/** One <tli>.history file, read. */
export interface TimelineHistory {
  timeline: number;
  /** Oldest first: timeline 1 (or the oldest kept) first, the direct parent last. */
  switches: TimelineSwitch[];
}

/** One timeline's part of a chain: the segments recovery reads from it. */
export interface TimelineSpan {
  timeline: number;
  /** First segment read from this timeline (0 for the chain's oldest). */
  firstSegment: number;
  /** Last segment read from it, or null for the target timeline (open ended). */
  lastSegment: number | null;
  /** Where the timeline began, or null for the chain's oldest. */
  beginLsn: bigint | null;
}

export type HistoryParse = { ok: true; history: TimelineHistory } | { ok: false; message: string };

/**
 * Reads a .history file's text. `file` names it in messages. Comment lines (#) and blank lines are skipped as
 * PostgreSQL does; anything else that is not "<tli> <X/X> <reason>" with increasing timelines is refused.
 */
export function parseTimelineHistory(timeline: number, text: string, file = timelineHistoryName(timeline)): HistoryParse {
  const switches: TimelineSwitch[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\d+)\s+([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})\s*(.*)$/.exec(line);
    const parent = m ? Number(m[1]!) : NaN;
    const switchLsn = m ? parseLsn(m[2]!) : null;
    if (!m || switchLsn === null) {
      return { ok: false, message: `${file} line ${i + 1} is not "<timeline> <switch location> <reason>": the file is damaged; copy it again from the server's pg_wal` };
    }
    const previous = switches[switches.length - 1];
    // Timelines must increase (PostgreSQL's readTimeLineHistory checks that much); switch points need not: a
    // recovery that ended before its target timeline's branch point writes a history whose last switch is earlier.
    if (parent >= timeline || (previous && parent <= previous.parent)) {
      return { ok: false, message: `${file} line ${i + 1}: timeline ${parent} is out of order: the file is damaged; copy it again from the server's pg_wal` };
    }
    switches.push({ parent, switchLsn, reason: m[3]! });
  }
  return { ok: true, history: { timeline, switches } };
}

/**
 * The chain recovery follows to reach `target`, oldest first, with the segments read from each timeline.
 * Uses the target's own history file (it holds the whole chain). Without it (not archived, or timeline 1),
 * the chain is the target alone from segment 0: the caller says the history is missing.
 */
export function timelineChain(target: number, histories: readonly TimelineHistory[], segmentSize: number): TimelineSpan[] {
  const history = histories.find((h) => h.timeline === target);
  const switches = history?.switches ?? [];
  const spans: TimelineSpan[] = [];
  let firstSegment = 0;
  let beginLsn: bigint | null = null;
  for (const s of switches) {
    const switchSegment = segmentOfLsn(s.switchLsn, segmentSize);
    // The segment holding the switch is read from the newer timeline, so the parent ends one before it.
    spans.push({ timeline: s.parent, firstSegment, lastSegment: switchSegment - 1, beginLsn });
    firstSegment = switchSegment;
    beginLsn = s.switchLsn;
  }
  spans.push({ timeline: target, firstSegment, lastSegment: null, beginLsn });
  // A parent that ended inside the segment its own history began in reads nothing: drop such empty spans.
  return spans.filter((span) => span.lastSegment === null || span.lastSegment >= span.firstSegment);
}

/** Which timeline's file recovery reads for a segment: the newest of the chain that began at or before it. */
export function timelineOfSegment(chain: readonly TimelineSpan[], segment: number): number {
  for (let i = chain.length - 1; i >= 0; i--) if (chain[i]!.firstSegment <= segment) return chain[i]!.timeline;
  return chain[0]!.timeline;
}

/**
 * The timeline recovery with recovery_target_timeline = 'latest' follows: the highest one whose .history file
 * the archive holds (PostgreSQL looks for history files, not segments); 1 when there is none.
 */
export function recoveryTimeline(histories: readonly Pick<TimelineHistory, 'timeline'>[]): number {
  let latest = 1;
  for (const history of histories) latest = Math.max(latest, history.timeline);
  return latest;
}

/** walContinuity's targetTimeline for an archive holding these .history files: what recoveryTimeline says, when above 1. */
export function recoveryTarget(histories: readonly Pick<TimelineHistory, 'timeline'>[]): { targetTimeline?: number } {
  const latest = recoveryTimeline(histories);
  return latest > 1 ? { targetTimeline: latest } : {};
}
