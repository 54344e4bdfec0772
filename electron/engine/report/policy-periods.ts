// The policy in force at each moment of a period, from the policy history (store/policies.ts). Pure.
import type { PolicyChange } from '../store/policies';
import type { PolicyPeriod } from './evidence-model';

/** A stretch of [from, to) and the policy in force then; `recorded` false when the history does not cover it. */
export interface PolicySpan {
  from: number;
  to: number;
  policy: Record<string, unknown> | null;
  recorded: boolean;
}

/**
 * The spans of [from, to] under each policy of `changes` (one subject's, oldest first). Before the first recorded
 * change (a history older than the policy history, or a config never loaded by a running engine) the earliest
 * known policy is assumed, else `current` (today's config), and marked not recorded.
 */
export function policySpans(changes: readonly PolicyChange[], from: number, to: number, current: Record<string, unknown> | null): PolicySpan[] {
  const spans: PolicySpan[] = [];
  const inForce = [...changes].reverse().find((c) => c.at <= from);
  const later = changes.filter((c) => c.at > from && c.at <= to);
  if (!inForce) {
    const assumed = later[0]?.policy ?? current;
    spans.push({ from, to: later[0]?.at ?? to, policy: changes[0] ? changes[0].policy : assumed, recorded: false });
  } else {
    spans.push({ from, to: later[0]?.at ?? to, policy: inForce.policy, recorded: true });
  }
  later.forEach((change, i) => spans.push({ from: change.at, to: later[i + 1]?.at ?? to, policy: change.policy, recorded: true }));
  return spans.filter((span) => span.to > span.from || spans.length === 1);
}

export function policyAt(spans: readonly PolicySpan[], at: number): Record<string, unknown> | null {
  return (spans.find((span) => at >= span.from && at < span.to) ?? spans.at(-1))?.policy ?? null;
}

export function policyPeriods(spans: readonly PolicySpan[], to: number): PolicyPeriod[] {
  return spans.map((span) => ({ from: iso(span.from), to: span.to >= to ? null : iso(span.to), policy: span.policy, recorded: span.recorded }));
}

export const iso = (ms: number) => new Date(ms).toISOString();
