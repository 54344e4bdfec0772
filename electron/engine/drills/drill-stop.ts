// How a drill step ends the drill early: fail (the backup is bad) or error (the drill could not tell).
import type { Drill, DrillOutcome } from '../../../shared/model';

/** How a drill that stopped early ends: fail (the backup is bad) or error (the drill could not tell). */
export type StopOutcome = Exclude<DrillOutcome, 'pass'>;

/** Ends a drill early with this outcome and message. */
export class DrillStop extends Error {
  constructor(
    readonly outcome: StopOutcome,
    message: string,
  ) {
    super(message);
  }
}

/** The backup is bad. */
export const fail = (message: string) => new DrillStop('fail', message);
/** The drill could not tell. */
export const drillError = (message: string) => new DrillStop('error', message);

/**
 * Why a drill was stopped from outside, as the reason of the AbortSignal that stopped it: the frame names it
 * instead of saying only "cancelled" ("backup-health got SIGHUP (its terminal or ssh session closed)").
 */
export class DrillInterrupted extends Error {}

/** The record of a drill that ended before anything was restored: no phases, nothing counted, only why. */
export function drillWithoutRestore(fields: Pick<Drill, 'sourceId' | 'backupKey' | 'startedAt' | 'finishedAt' | 'message'> & { outcome: Exclude<DrillOutcome, 'pass'> }): Drill {
  return { ...fields, phases: {}, restoreMs: null, tables: 0, rows: 0, restoredBytes: null, checks: [] };
}
