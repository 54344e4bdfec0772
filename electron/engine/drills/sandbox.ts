// The OS sandbox a drill's postmaster and restore tools run in: bubblewrap with every namespace unshared (no
// network at all, its own pids, so nothing outlives it), only /usr, the PostgreSQL installation and the drill's
// own directory visible, the backup read-only, and killed with its parent. Never `--ro-bind / /`: that would
// still show ~/.ssh. Detected at run time: where bubblewrap is missing or user namespaces are off, drills run
// without it and say so in their evidence.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { run } from '../exec';
import type { RunAs } from './drill-user';

export interface SandboxStatus {
  active: boolean;
  /** bwrap's path when active. */
  bwrap?: string;
  /** Why not, in words a sysadmin can act on. */
  reason?: string;
}

export interface SandboxBinds {
  /** Visible and writable: the drill's directory. */
  writable: readonly string[];
  /** Visible read-only: the backup, the installation (when outside /usr). */
  readOnly?: readonly string[];
  /** Working directory inside the sandbox (default the first writable path). */
  cwd?: string;
}

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'];
/** The top-level directories a dynamically linked binary needs, as links into /usr or as directories. */
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Name lookups (initdb, psql) need the account databases; both are world-readable and hold no secrets. */
const ACCOUNT_FILES = ['/etc/passwd', '/etc/group'];

const detected = new Map<string, Promise<SandboxStatus>>();

/** Whether drills can run sandboxed as `runAs` on this machine (tried once per process and user). */
export function detectSandbox(runAs: RunAs | undefined): Promise<SandboxStatus> {
  const key = runAs ? `${runAs.uid}:${runAs.gid}` : 'self';
  let status = detected.get(key);
  if (!status) {
    status = probeSandbox(runAs);
    detected.set(key, status);
  }
  return status;
}

async function probeSandbox(runAs: RunAs | undefined): Promise<SandboxStatus> {
  if (process.platform !== 'linux') return { active: false, reason: `no OS sandbox for drills on ${process.platform} yet` };
  // Only ever weakens: for proving what a drill without a sandbox does, on a machine that has one.
  if (process.env.BACKUP_HEALTH_SANDBOX === 'off') return { active: false, reason: 'the sandbox is turned off (BACKUP_HEALTH_SANDBOX=off)' };
  const bwrap = BWRAP_CANDIDATES.find((path) => existsSync(path));
  if (!bwrap) return { active: false, reason: 'bubblewrap is not installed (apt install bubblewrap), so drills run without an OS sandbox' };
  const { command, args } = sandboxed({ active: true, bwrap }, '/usr/bin/true', [], { writable: [], cwd: '/' });
  const tried = await run(command, args, { timeoutMs: 10_000, env: { PATH: '/usr/bin:/bin' }, ...runAs });
  if (tried.code === 0) return { active: true, bwrap };
  const why = (tried.stderr.trim().split('\n')[0] ?? '') || tried.spawnError?.message || `exit code ${tried.code}`;
  return { active: false, reason: `bubblewrap cannot create a sandbox here (${why}); enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)` };
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/**
 * The argv that runs `command args` inside the sandbox; when there is none, under `setpriv --pdeathsig KILL`
 * where it exists, so that even then nothing outlives a killed drill.
 */
export function sandboxed(status: SandboxStatus, command: string, args: readonly string[], binds: SandboxBinds): { command: string; args: string[] } {
  if (!status.active || !status.bwrap) return SETPRIV ? { command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args: [...args] };
  const argv = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--ro-bind', '/usr', '/usr'];
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatOrNull(dir);
    if (stat?.isSymbolicLink()) argv.push('--symlink', readlinkSync(dir), dir);
    else if (stat?.isDirectory()) argv.push('--ro-bind', dir, dir);
  }
  for (const file of ACCOUNT_FILES) if (existsSync(file)) argv.push('--ro-bind', file, file);
  argv.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  // A tool outside /usr (a PostgreSQL in /opt) needs its installation: bin/ and the share/ and lib/ beside it.
  const installRoot = dirname(dirname(command));
  const outsideUsr = isAbsolute(command) && installRoot !== '/' && installRoot !== '/usr' && !installRoot.startsWith('/usr/');
  const readOnly = [...(binds.readOnly ?? []), ...(outsideUsr ? [installRoot] : [])];
  for (const path of readOnly) argv.push('--ro-bind', path, path);
  for (const path of binds.writable) argv.push('--bind', path, path);
  argv.push('--chdir', binds.cwd ?? binds.writable[0] ?? '/', '--', command, ...args);
  return { command: status.bwrap, args: argv };
}

/**
 * Waits (up to `timeoutMs`) until no process whose command line mentions `dir` is left: a sandbox killed from
 * outside takes its processes down a moment after bubblewrap itself exits (its pid namespace's init kills and
 * reaps them), and a drill that says it is over must have nothing of it still running. Linux only.
 */
export async function waitForProcessesIn(dir: string, options: { timeoutMs?: number; exceptServer?: string } = {}): Promise<void> {
  if (process.platform !== 'linux') return;
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (Date.now() < deadline && processesMentioning(dir, options.exceptServer).length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * SIGKILLs what waitForProcessesIn waits for. A tool killed in the instant it starts can leave its sandbox's
 * processes behind (bubblewrap dead before its child armed the parent-death signal): they mention the jail's
 * unique directory, so they are found by it.
 */
export function killProcessesIn(dir: string, exceptServer?: string): void {
  if (process.platform !== 'linux') return;
  for (const pid of processesMentioning(dir, exceptServer)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Live processes whose command line holds `needle`, leaving out those that also hold `except` (a running server). */
function processesMentioning(needle: string, except?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && !(except && cmdline.includes(except)) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** The environment every drill tool gets: nothing of ours (no tokens, no PG* pointing elsewhere), the C locale. */
export function drillEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', HOME: home, PGAPPNAME: 'backup-health-drill', PGSYSCONFDIR: home };
}
