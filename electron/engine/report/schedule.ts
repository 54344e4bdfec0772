// Whether a drill schedule was kept (issue 17): drills expected by the `drill.every` in force at each time, drills
// done, and each window in which a drill was due and none ran, judged by the policy of its time. A window is
// missed when the gap after a drill (or after the schedule began) outlasts the allowance the restore-drill rule
// gives (drill.maxAge, else every + a day; health/drill-rules.ts), so a drill that ran an hour late is not a miss,
// and a run of missed weeks is one window. Any outcome counts as done: whether it passed is the drill's own line.
// Pure.
import type { MissedWindow, ScheduleKept } from './evidence-model';
import { iso, type PolicySpan } from './policy-periods';

const DAY_MS = 86_400_000;

interface Schedule {
  everyMs: number;
  allowanceMs: number;
}

function scheduleOf(policy: Record<string, unknown> | null): Schedule | null {
  const drill = policy?.drill as { every?: number; maxAge?: number } | undefined;
  if (drill?.every === undefined) return null;
  return { everyMs: drill.every, allowanceMs: drill.maxAge ?? drill.every + DAY_MS };
}

/**
 * `spans`: the source's policies over [from, to]; `drillTimes`: when its drills finished, ascending, within
 * [from, to]; `lastBefore`: when its last drill before `from` finished. Null when no schedule was in force.
 */
export function scheduleKept(spans: readonly PolicySpan[], drillTimes: readonly number[], lastBefore: number | null, to: number): ScheduleKept | null {
  const scheduled = spans.map((span) => ({ span, schedule: scheduleOf(span.policy) })).filter((s) => s.schedule !== null);
  if (scheduled.length === 0) return null;
  let expected = 0;
  const missed: MissedWindow[] = [];
  let previousEnd: number | null = null;
  for (const { span, schedule } of scheduled as { span: PolicySpan; schedule: Schedule }[]) {
    const { everyMs, allowanceMs } = schedule;
    // One run due in each `every` of the span (a span a few seconds over a whole number of runs does not ask for one more).
    expected += Math.round((span.to - span.from) / everyMs);
    // A schedule that carries on (the period's first, or one changed from another schedule) counts from the last
    // drill; the next run is due then, or when the new policy took effect if that is later, with the usual grace.
    // A schedule switched on is due at once (a running engine drills at once), with the grace.
    const carried = previousEnd === span.from || span.from === spans[0]!.from;
    const last = carried ? [lastBefore, ...drillTimes].filter((t): t is number => t !== null && t < span.from).at(-1) : undefined;
    let dueAt = last === undefined ? span.from : Math.max(last + everyMs, span.from);
    let overdueAt = last === undefined ? dueAt + allowanceMs - everyMs : Math.max(last + allowanceMs, dueAt + allowanceMs - everyMs);
    for (const at of [...drillTimes.filter((t) => t >= span.from && t < span.to), null]) {
      const end = at ?? span.to;
      if (overdueAt < end) {
        const open = at === null && span.to >= to;
        missed.push({ dueAt: iso(dueAt), overdueAt: iso(overdueAt), until: iso(end), open, everyMs, allowanceMs });
      }
      if (at !== null) {
        dueAt = at + everyMs;
        overdueAt = at + allowanceMs;
      }
    }
    previousEnd = span.to;
  }
  return { expected, done: drillTimes.length, missed };
}
