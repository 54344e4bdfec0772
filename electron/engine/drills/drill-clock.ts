// The frame every drill runner shares: one deadline over the whole drill (an AbortSignal that fires at the
// drill's timeout or on the caller's cancel), the time left for each tool, and what a drill that threw ends as.
import type { DrillOutcome, DrillPhase } from '../../../shared/model';
import { formatDuration } from '../../../shared/units';
import { DrillStop } from './restore-plan';
import type { ScratchCluster } from './scratch-cluster';
import { DEFAULT_DRILL_TIMEOUT_MS } from './verify';

export interface DrillClock {
  /** Aborted at the drill's deadline or when the caller cancels. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Time left for a tool: a little more than the drill has, so the drill's own deadline fires first. */
  remaining(): number;
  /** Clears the deadline's timer; call once the drill's work (not its cleanup) is over. */
  stop(): void;
}

export function startDrillClock(options: { signal?: AbortSignal; timeoutMs?: number }): DrillClock {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DRILL_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  return {
    signal: options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal,
    timeoutMs,
    remaining: () => Math.max(1, deadline - performance.now()) + 1000,
    stop: () => clearTimeout(timer),
  };
}

/** What a drill that threw during `phase` ends as: cancelled, out of time, stopped on purpose, or broken. */
export function stoppedDrill(err: unknown, clock: DrillClock, cancelled: boolean, phase: DrillPhase): { outcome: Exclude<DrillOutcome, 'pass'>; message: string } {
  if (clock.signal.aborted) {
    return {
      outcome: 'error',
      message: cancelled
        ? `the drill was cancelled during the ${phase} phase`
        : `the drill did not finish within ${formatDuration(clock.timeoutMs)} (stopped during the ${phase} phase); raise its timeout or give the machine more CPU and disk speed`,
    };
  }
  if (err instanceof DrillStop) return { outcome: err.outcome, message: err.message };
  return { outcome: 'error', message: `the drill itself failed during the ${phase} phase: ${(err as Error)?.message ?? String(err)}` };
}

/** Stops and removes the drill's scratch cluster, if it got one; a failure to is added to `message`. */
export async function removeScratch(cluster: ScratchCluster | null, message: string): Promise<string> {
  try {
    await cluster?.stop();
    return message;
  } catch (err) {
    return `${message} (and the scratch cluster in ${cluster?.dir} could not be removed: ${(err as Error).message})`;
  }
}
