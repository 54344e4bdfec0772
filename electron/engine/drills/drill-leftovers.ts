// What a drill killed outright (SIGKILL, a crash, a power cut) leaves, and how the next command that opens the
// history deals with it: the sweep stops its server and removes its directory (scratch-sweep.ts), and the drill
// its process never recorded is recorded here as an error, so the history and health say a drill was attempted
// and did not finish instead of saying nothing.
import { hostname } from 'node:os';
import type { Drill } from '../../../shared/model';
import type { HistoryStore } from '../store/types';
import { drillWithoutRestore } from './drill-stop';
import { sweepScratchClusters, type SweptCluster } from './scratch-sweep';

/** Sweeps `drillDir` and records each dead drill of a source this config has; returns what was swept. */
export async function sweepDrillLeftovers(drillDir: string | undefined, sourceIds: readonly string[], store: Pick<HistoryStore, 'recordDrill'>, now = Date.now()): Promise<SweptCluster[]> {
  const swept = await sweepScratchClusters(drillDir);
  for (const drill of killedDrills(swept, sourceIds, now)) store.recordDrill(drill);
  return swept;
}

/**
 * The drills to record for what was swept: one per dead process and source (a drill may have used several
 * directories), only for sources in this config (another config's drills sharing the drillDir are not ours to
 * judge; their directories are removed all the same).
 */
export function killedDrills(swept: readonly SweptCluster[], sourceIds: readonly string[], now: number): Drill[] {
  const known = new Set(sourceIds);
  const byDrill = new Map<string, SweptCluster[]>();
  for (const leftover of swept) {
    if (!leftover.drill || !known.has(leftover.drill.sourceId)) continue;
    const key = `${leftover.ownerPid}\u0000${leftover.drill.sourceId}`;
    byDrill.set(key, [...(byDrill.get(key) ?? []), leftover]);
  }
  return [...byDrill.values()].map((leftovers) => killedDrill(leftovers, now));
}

function killedDrill(leftovers: readonly SweptCluster[], now: number): Drill {
  const first = leftovers[0]!;
  const subject = first.drill!;
  const startedAt = Math.min(...leftovers.map((l) => l.drill!.startedAt ?? now));
  // When it was last seen working: the newest change in its directories, never before it started nor after now.
  const lastActive = Math.max(startedAt, ...leftovers.map((l) => l.drill!.lastActiveAt ?? startedAt));
  const finishedAt = Math.min(now, lastActive);
  const serverStopped = leftovers.some((l) => l.killedPostmaster !== null);
  const dirs = leftovers.map((l) => l.dir).join(', ');
  return {
    ...drillWithoutRestore({
      sourceId: subject.sourceId,
      backupKey: subject.backupKey,
      startedAt,
      finishedAt,
      outcome: 'error',
      message:
        `the drill was cut off: the process running it (pid ${first.ownerPid}) ended without finishing or cleaning up (killed with SIGKILL, crashed, or the machine stopped); ` +
        `${serverStopped ? 'its scratch PostgreSQL was still running and was stopped, and ' : ''}${leftovers.length === 1 ? 'its directory' : 'its directories'} ${dirs} ${leftovers.length === 1 ? 'was' : 'were'} removed at ${new Date(now).toISOString()}; run the drill again`,
    }),
    restoredWith: null,
    tableDetails: [],
    // Swept from this machine's drillDir: the drill ran here.
    provenance: { host: hostname(), tools: {}, scratchServer: null },
  };
}
