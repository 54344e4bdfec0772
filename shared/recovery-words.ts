// A drill's recovery point in words, the same in the drill's message, the CLI and the dashboard: "restorable up
// to 2026-12-03 10:41:07 UTC (recovery point 3m 12s behind the drill's start; replayed 412 WAL segments in 38s)".
import type { DrillRecovery, RecoveryReached } from './model';
import { countOf, formatDuration, utcWords } from './units';

/** "restorable up to 2026-12-03 10:41:07 UTC (recovery point 3m 12s behind the drill's start; replayed 412 WAL segments in 38s)" */
export function reachedWords(recovery: DrillRecovery): string {
  const upTo = recovery.recoveredTo === null ? 'restorable up to an unknown time (the replayed WAL holds no commit and the archive gave no times)' : `restorable up to ${utcWords(recovery.recoveredTo)}`;
  const point = recovery.idle
    ? 'recovery point 0: the server had written nothing newer when the drill started'
    : recovery.recoveryPointMs === null
      ? 'recovery point unknown'
      : `recovery point ${recovery.recoveryPointMs < 1000 ? 'under 1s' : formatDuration(recovery.recoveryPointMs)} behind the drill's start`;
  const replay = `replayed ${countOf(recovery.walReplayed, 'WAL segment')}${recovery.replayMs === null ? '' : ` in ${formatDuration(Math.max(1000, recovery.replayMs))}`}`;
  return `${upTo} (${point}; ${replay})`;
}


/**
 * The recovery point in a few words, after "restored … ago": "to 3m 12s behind", "to the end of an idle archive",
 * "to the backup's end, 5h behind". For the overview's last restore and `backup-health check`.
 */
export function recoveryPointShort(recovery: Pick<DrillRecovery, 'mode' | 'recoveryPointMs'> & { idle?: boolean }): string {
  if (recovery.idle) return 'to the end of an idle archive';
  const behind = recovery.recoveryPointMs === null ? 'recovery point not measured' : `${recovery.recoveryPointMs < 1000 ? 'under 1s' : formatDuration(recovery.recoveryPointMs)} behind`;
  return recovery.mode === 'backup-end' ? `to the backup's end, ${behind}` : recovery.recoveryPointMs === null ? `to the end of the archive, ${behind}` : `to ${behind}`;
}

/** A drill's recovery record reduced to what summaries carry (shared/model.ts RecoveryReached). */
export function recoveryReached(recovery: DrillRecovery): RecoveryReached {
  return { mode: recovery.mode, recoveredTo: recovery.recoveredTo, recoveryPointMs: recovery.recoveryPointMs, idle: recovery.idle === true };
}
