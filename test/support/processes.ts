// Process checks the tests use to prove nothing is left behind.
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive } from '../../electron/engine/process-alive';

export { isAlive };

/** pids of postgres processes whose command line mentions `needle` (a data dir, a temp dir). */
export function postgresProcessesUsing(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('postgres') && cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** pids of live (not zombie) processes of any kind whose command line mentions `needle`: a drill's directory. */
export function processesUsing(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * pids of postmasters (a process whose argv[0] is a `postgres` binary, not pg_restore or psql, whose paths
 * also hold "postgres") whose command line mentions `needle`, zombies left out.
 */
export function postmastersUsing(needle: string): number[] {
  return processesUsing(needle).filter((pid) => {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      return argv0 === 'postgres' || argv0.endsWith('/postgres');
    } catch {
      return false;
    }
  });
}

/** "pid state argv..." of each live process mentioning `needle`, for a failure message. */
export function describeProcessesUsing(needle: string): string {
  return processesUsing(needle)
    .map((pid) => {
      try {
        const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '?';
        return `${pid} ${state} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
      } catch {
        return `${pid} (gone)`;
      }
    })
    .join('\n');
}

/**
 * Whether pg_restore itself runs with `needle` in its command line (alone, or inside bwrap): past the setpriv
 * wrapper that sets its parent-death signal, and past bwrap's own start, whose inner process sets its parent-death
 * signal only after bwrap clones it. A drill SIGKILLed inside either window orphans a process for good (bwrap's
 * inner one then waits forever for the outer one; the next start's sweep kills it), so tests that kill a drill
 * mid-restore wait for this first.
 */
export function restoreRunning(needle: string): boolean {
  return processesUsing(needle).some((pid) => {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000')[0] ?? '';
      return argv0 === 'pg_restore' || argv0.endsWith('/pg_restore');
    } catch {
      return false;
    }
  });
}
