// A source's health: the rules for its kind, worst finding wins.
import type { SourceKind, SourceHealth } from '../../../shared/model';
import { STATUS_SEVERITY, worstStatus } from '../../../shared/model';
import {
  backupAge,
  backupSize,
  backupUnreadable,
  coverage,
  dumpVersion,
  noBackups,
  probeError,
  replication,
  walArchiving,
  type Rule,
} from './rules';
import type { EvaluationInput } from './types';

export const RULES_BY_KIND: Record<SourceKind, Rule[]> = {
  'dump-dir': [noBackups, backupUnreadable, backupAge, backupSize, dumpVersion],
  postgres: [walArchiving, replication, coverage],
};

export function evaluate(input: EvaluationInput): SourceHealth {
  // Not polled yet, or the latest poll failed: what we saw before is stale, so judge nothing else.
  const unobserved = probeError(input);
  if (unobserved.length > 0) return { status: worstStatus(unobserved.map((f) => f.status)), findings: unobserved };
  const findings = RULES_BY_KIND[input.source.kind]
    .flatMap((rule) => rule(input))
    // Worst first, so a one-line summary (tray, notification) can show findings[0].
    .sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status]);
  return { status: worstStatus(findings.map((f) => f.status)), findings };
}
