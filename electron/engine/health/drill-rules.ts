// The restore-drill rule. Drills are evidence about the backups themselves, not about the latest poll, so this
// rule is judged even when the source could not be polled: a failed restore stays critical until a drill passes.
import type { Drill, Finding } from '../../../shared/model';
import { formatDuration, utcWords } from '../../../shared/units';
import { redact } from '../errors';
import { backupSource } from './backup-rules';
import { backupWords } from './kind-words';
import type { Rule } from './types';

/** Without an explicit drill.maxAge, a scheduled drill is overdue a day after its next run was due. */
const DRILL_GRACE_MS = 24 * 3_600_000;

export const restoreDrill: Rule = (input) => {
  const source = backupSource(input);
  if (!source?.drill || !input.drills) return [];
  const { last, lastPassing } = input.drills;
  const name = backupWords(input).name;
  const findings: Finding[] = [];
  if (last && last.outcome !== 'pass') {
    const ago = formatDuration(input.now - last.finishedAt);
    findings.push({
      rule: 'restore-drill',
      status: last.outcome === 'fail' ? 'critical' : 'warning',
      message:
        last.outcome === 'fail'
          ? `the last restore drill (${name(last.backupKey)}, ${ago} ago) failed: ${redact(last.message)}`
          : `the last restore drill (${ago} ago) could not run: ${redact(last.message)}`,
      observed: last.outcome,
      limit: 'pass',
    });
  }
  // A drill that passed with doubts (every table empty, a renamed database, tables the live one has): look.
  const doubts = last?.outcome === 'pass' ? (last.warnings ?? []) : [];
  if (doubts.length > 0) {
    const more = doubts.length > 1 ? ` (and ${doubts.length - 1} more warning${doubts.length > 2 ? 's' : ''})` : '';
    findings.push({
      rule: 'restore-drill',
      status: 'warning',
      message: `the last restore drill (${name(last!.backupKey)}, ${formatDuration(input.now - last!.finishedAt)} ago) passed with a warning: ${redact(doubts[0]!)}${more}`,
      observed: doubts.length,
      limit: 0,
    });
  }
  const maxAge = source.drill.maxAge ?? (source.drill.every !== undefined ? source.drill.every + DRILL_GRACE_MS : undefined);
  if (maxAge !== undefined) {
    const age = lastPassing ? input.now - lastPassing.finishedAt : null;
    if (age === null || age > maxAge) {
      findings.push({
        rule: 'restore-drill',
        status: 'warning',
        message:
          age === null
            ? `no restore drill has passed yet (drill.maxAge ${formatDuration(maxAge)}): run backup-health drill --source ${source.id}`
            : `the last passing restore drill was ${formatDuration(age)} ago, over the ${formatDuration(maxAge)} drill.maxAge: ${lastDrillHint(last)}`,
        observed: age,
        limit: maxAge,
      });
    }
  }
  return findings;
};

/**
 * The recovery-point rule: the newest passing drill that replayed WAL restored to a point further behind its
 * start than maxRecoveryPoint. Like restore-drill, it is drill evidence, judged whatever the latest poll says.
 */
export const recoveryPointRule: Rule = (input) => {
  const limit = 'maxRecoveryPoint' in input.source ? input.source.maxRecoveryPoint : undefined;
  const drill = input.drills?.lastPassing;
  if (limit === undefined || !drill?.recovery) return [];
  const { recovery } = drill;
  const name = backupWords(input).name;
  const ago = formatDuration(Math.max(0, input.now - drill.finishedAt));
  if (recovery.recoveryPointMs === null) {
    return [{ rule: 'recovery-point', status: 'warning', message: `the last restore drill (${name(drill.backupKey)}, ${ago} ago) could not measure its recovery point (the replayed WAL held no commit time and the archive gave no times), so maxRecoveryPoint ${formatDuration(limit)} is not proven`, observed: null, limit }];
  }
  if (recovery.recoveryPointMs <= limit) return [];
  const upTo = recovery.recoveredTo === null ? '' : ` (restorable up to ${utcWords(recovery.recoveredTo)})`;
  const why = recovery.mode === 'backup-end' ? 'it replayed only to the backup\'s end: set drill.recovery: end-of-archive to replay the archived WAL' : 'WAL written after that was not in the archive: check archive_command and the archiver (pg_stat_archiver)';
  return [{
    rule: 'recovery-point',
    status: 'critical',
    message: `the last restore drill (${name(drill.backupKey)}, ${ago} ago) restored to a point ${formatDuration(recovery.recoveryPointMs)} behind its start${upTo}, over maxRecoveryPoint ${formatDuration(limit)}: ${why}`,
    observed: recovery.recoveryPointMs,
    limit,
  }];
};

function lastDrillHint(last: Drill | null): string {
  return last && last.outcome !== 'pass' ? 'drills since then did not pass' : 'check that scheduled drills run';
}
