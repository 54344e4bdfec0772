// A source's or a database's status changes over a period, each failure with when it was fixed: the fix of the
// finding span (store/finding-spans.ts) open at the change, exact even when another finding kept the subject down.
// For history recorded before spans were (or a span that opened later than the change), the first later change after
// which no finding of the same rule is below ok: a finding fixed while another kept the subject down then shows fixed
// at the next change, the first the history records. Pure.
import type { Status } from '../../../shared/model';
import type { FindingSpan, SpanFinding } from '../store/types';
import type { FindingEvidence, StatusChange } from './evidence-model';
import { iso } from './policy-periods';

/** A stored status change of a source (StatusEvent) or of a database (DatabaseStatusEvent). */
export interface ChangeRecord {
  at: number;
  from: Status | null;
  to: Status;
  findings: readonly SpanFinding[];
}

/** `events`: the changes in the period, oldest first; `after`: those after it, oldest first; `spans`: the subject's over the period. */
export function statusChanges(events: readonly ChangeRecord[], after: readonly ChangeRecord[], spans: readonly FindingSpan[] = []): StatusChange[] {
  const all = [...events, ...after];
  return events.map((event, i) => ({
    at: iso(event.at),
    from: event.from,
    to: event.to,
    findings: event.findings
      .filter((finding) => finding.status !== 'ok')
      .map((finding) => {
        const span = spans.find((s) => s.rule === finding.rule && s.openedAt <= event.at && (s.fixedAt === null || s.fixedAt > event.at));
        const fixedAt = span ? span.fixedAt : (all.slice(i + 1).find((later) => !later.findings.some((f) => f.rule === finding.rule && f.status !== 'ok'))?.at ?? null);
        return { rule: finding.rule, status: finding.status, message: finding.message, fixedAt: fixedAt === null ? null : iso(fixedAt) };
      }),
  }));
}

/** Every finding span of the period, oldest first: the findings a status change alone would not show. */
export function findingsOf(spans: readonly FindingSpan[]): FindingEvidence[] {
  return [...spans]
    .sort((a, b) => a.openedAt - b.openedAt || a.rule.localeCompare(b.rule))
    .map((span) => ({ rule: span.rule, status: span.status, message: span.message, openedAt: iso(span.openedAt), fixedAt: span.fixedAt === null ? null : iso(span.fixedAt) }));
}
