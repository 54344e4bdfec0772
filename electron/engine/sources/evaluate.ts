// A source's health: the rules its kind's module lists (sources/<kind>/index.ts), worst finding wins.
import type { SourceHealth } from '../../../shared/model';
import { STATUS_SEVERITY, worstStatus } from '../../../shared/model';
import { probeError, restoreDrill } from '../health/rules';
import type { EvaluationInput } from '../health/types';
import { SOURCES } from './index';

export function evaluate(input: EvaluationInput): SourceHealth {
  // Not polled yet, or the latest poll failed: what that poll would have shown is unknown, so the poll rules
  // are not judged on stale data. Restore-drill evidence is not poll data: it is judged either way.
  const unobserved = probeError(input);
  const rules = unobserved.length > 0 ? [restoreDrill] : [...SOURCES[input.source.kind].rules, restoreDrill];
  const findings = [...unobserved, ...rules.flatMap((rule) => rule(input))]
    // Worst first, so a one-line summary (tray, notification) can show findings[0].
    .sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status]);
  return { status: worstStatus(findings.map((f) => f.status)), findings };
}
