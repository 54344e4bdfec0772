// A source's health: the rules its kind's module lists (sources/<kind>/index.ts), worst finding wins.
import type { SourceConfig } from '../../../shared/config';
import type { SourceHealth } from '../../../shared/model';
import { STATUS_SEVERITY, worstStatus } from '../../../shared/model';
import { probeError, recoveryPointRule, restoreDrill } from '../health/rules';
import type { KindWords } from '../health/kind-words';
import type { EvaluationInput, SourceFacts } from '../health/types';
import { SOURCES } from './index';

/** How the rules speak of a kind: its module's words and location. */
export function kindWords(kind: SourceConfig['kind']): KindWords {
  const module = SOURCES[kind];
  return { location: module.location as KindWords['location'], backups: module.words as KindWords['backups'] };
}

/** The facts with their kind's words: what every rule takes. */
export function judgeable(facts: SourceFacts): EvaluationInput {
  return { ...facts, words: kindWords(facts.source.kind) };
}

export function evaluate(facts: SourceFacts): SourceHealth {
  const input = judgeable(facts);
  // Not polled yet, or the latest poll failed: what that poll would have shown is unknown, so the poll rules
  // are not judged on stale data. Restore-drill evidence is not poll data: it is judged either way.
  const unobserved = probeError(input);
  const rules = unobserved.length > 0 ? [restoreDrill, recoveryPointRule] : [...SOURCES[input.source.kind].rules, restoreDrill, recoveryPointRule];
  const findings = [...unobserved, ...rules.flatMap((rule) => rule(input))]
    // Worst first, so a one-line summary (tray, notification) can show findings[0].
    .sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status]);
  return { status: worstStatus(findings.map((f) => f.status)), findings };
}
