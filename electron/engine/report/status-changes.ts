// A source's status changes over a period, each failure with when it was fixed: the first later change after which
// no finding of the same rule is below ok (a finding fixed while another kept the source down shows fixed at the
// next change, the first the history records). Pure.
import type { StatusEvent } from '../../../shared/model';
import type { StatusChange } from './evidence-model';
import { iso } from './policy-periods';

/** `events`: the changes in the period, oldest first; `after`: those after it, oldest first. */
export function statusChanges(events: readonly StatusEvent[], after: readonly StatusEvent[]): StatusChange[] {
  const all = [...events, ...after];
  return events.map((event, i) => ({
    at: iso(event.at),
    from: event.from,
    to: event.to,
    findings: event.findings
      .filter((finding) => finding.status !== 'ok')
      .map((finding) => {
        const fixed = all.slice(i + 1).find((later) => !later.findings.some((f) => f.rule === finding.rule && f.status !== 'ok'));
        return { rule: finding.rule, status: finding.status, message: finding.message, fixedAt: fixed ? iso(fixed.at) : null };
      }),
  }));
}
