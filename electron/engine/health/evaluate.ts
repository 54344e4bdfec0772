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
  restoreDrill,
  walArchiving,
} from './rules';
import type { EvaluationInput, Rule } from './types';
import { PGBACKREST_RULES } from './pgbackrest-rules';

/** What every kind holding backups is judged by (restore-drill is added for all kinds in evaluate()). */
export const BACKUP_RULES: Rule[] = [noBackups, backupUnreadable, backupAge, backupSize, dumpVersion];

export const RULES_BY_KIND: Record<SourceKind, Rule[]> = {
  'dump-dir': BACKUP_RULES,
  borg: BACKUP_RULES,
  restic: BACKUP_RULES,
  // Sizes are judged per backup type there (a small incremental is normal): see pgbackrest-rules.ts.
  pgbackrest: [...BACKUP_RULES.filter((rule) => rule !== backupSize), ...PGBACKREST_RULES],
  postgres: [walArchiving, replication, coverage],
};

export function evaluate(input: EvaluationInput): SourceHealth {
  // Not polled yet, or the latest poll failed: what that poll would have shown is unknown, so the poll rules
  // are not judged on stale data. Restore-drill evidence is not poll data: it is judged either way.
  const unobserved = probeError(input);
  const rules = unobserved.length > 0 ? [restoreDrill] : [...RULES_BY_KIND[input.source.kind], restoreDrill];
  const findings = [...unobserved, ...rules.flatMap((rule) => rule(input))]
    // Worst first, so a one-line summary (tray, notification) can show findings[0].
    .sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status]);
  return { status: worstStatus(findings.map((f) => f.status)), findings };
}
