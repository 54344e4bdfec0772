// The start-up sweep of drill directories whose owner died (a drill killed with SIGKILL, a crash): stop the
// postmaster it left, remove the directory, and say which drill died with it (drill-leftovers.ts records it).
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimDrillDir, DRILL_DIR_PREFIXES, type DrillSubject } from './drill-dirs';
import { removeTree } from './remove-tree';
import { killProcessesIn } from './sandbox';
import { isAlive } from '../process-alive';

export interface SweptCluster {
  dir: string;
  ownerPid: number | null;
  killedPostmaster: number | null;
  /** The drill that died with its process, when this sweep is the one to record it (drill-leftovers.ts). */
  drill?: DrillSubject & { startedAt: number | null; lastActiveAt: number | null };
}

/**
 * Removes scratch clusters whose owner process is gone (a drill killed with SIGKILL, a crash):
 * kills their postmaster (only if it really is a postgres serving that directory) and deletes the directory.
 * Each directory is claimed first (drill-dirs.ts), so of several processes sweeping at once one removes it.
 */
export async function sweepScratchClusters(parentDir = tmpdir()): Promise<SweptCluster[]> {
  let entries: string[];
  try {
    entries = readdirSync(parentDir).filter((e) => DRILL_DIR_PREFIXES.some((prefix) => e.startsWith(prefix)));
  } catch {
    return [];
  }
  const swept: SweptCluster[] = [];
  for (const entry of entries) {
    const dir = join(parentDir, entry);
    // No owner file: a cluster still being created, or not ours; a live owner: a drill under way.
    const claim = claimDrillDir(dir, isAlive);
    if (!claim) continue;
    const lastActiveAt = lastActivity(dir);
    const killedPostmaster = await killPostmasterOf(join(dir, 'data'));
    if (killedPostmaster === 'not-ours') {
      claim.release(); // a server we may not stop: leave it and its directory be
      continue;
    }
    // What else of the dead drill still runs there: a sandbox whose parent-death signal was lost in a race (a
    // bubblewrap left sleeping with nothing inside), pg_restore -j workers orphaned outside a sandbox.
    killProcessesIn(dir);
    try {
      await removeTree(dir);
    } catch {
      claim.release();
      continue; // not ours to remove after all (another user's files): never a reason for start-up to fail
    }
    const { owner } = claim;
    const drill = claim.first && owner.drill ? { ...owner.drill, startedAt: owner.startedAt, lastActiveAt } : undefined;
    swept.push({ dir, ownerPid: owner.pid, killedPostmaster, ...(drill ? { drill } : {}) });
  }
  return swept;
}

/** The last time anything in a drill directory changed (its server's log, a file restored): about when it died. */
function lastActivity(dir: string): number | null {
  let latest: number | null = null;
  const consider = (path: string) => {
    try {
      const mtime = lstatSync(path).mtimeMs;
      if (latest === null || mtime > latest) latest = mtime;
    } catch {
      // gone, or not ours to look into
    }
  };
  try {
    // Not the directory's own time, nor the sweep's claim: both change as it is swept.
    for (const entry of readdirSync(dir)) if (!entry.startsWith('sweeping-')) consider(join(dir, entry));
  } catch {
    // unreadable: unknown
  }
  return latest === null ? null : Math.round(latest);
}

async function killPostmasterOf(dataDir: string): Promise<number | null | 'not-ours'> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!pid || !isAlive(pid) || !isPostmasterFor(pid, dataDir)) return null;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return 'not-ours'; // EPERM: another user's server
  }
  for (let i = 0; i < 250 && isAlive(pid); i++) await sleep(20);
  if (isAlive(pid)) killGroup(pid, 'SIGKILL');
  for (let i = 0; i < 250 && isAlive(pid); i++) await sleep(20);
  return pid;
}

/** Guards against a reused pid: the process must be a postgres whose command line names this data dir. */
function isPostmasterFor(pid: number, dataDir: string): boolean {
  const cmdlineFile = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdlineFile)) return process.platform !== 'linux'; // no /proc: trust postmaster.pid
  const argv = readFileSync(cmdlineFile, 'utf8').split('\0');
  return (argv[0] ?? '').endsWith('postgres') && argv.includes(dataDir);
}

/** Signals a process group (a detached postmaster and its backends), else the process alone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}
