// A parent-death signal for every tool the engine starts: on Linux each runs under util-linux's
// `setpriv --pdeathsig KILL`, so it is killed the moment this process ends, however it ends (SIGKILL included).
// Tools are started detached (their own process group, exec.ts), so nothing else would end them: a killed drill
// would leave pg_restore, ssh, restic or pgbackrest running on, and a killed `check` its ssh.
//
// setpriv sets the signal only once it runs: a parent killed between the fork and that moment (a loaded machine
// can hold a new process there) would orphan the tool for good, and the kernel never sends a parent-death signal
// for a parent already gone. So setpriv execs a one-line sh that checks its parent is still the process that
// started it (the check comes after the signal is set, so either the parent died before, and it sees a
// stranger, or after, and the signal kills it) and only then execs the tool.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const SETPRIV = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path)) : undefined;
/** What execvp searches when the environment has no PATH (glibc's and libuv's default). */
const DEFAULT_PATH = '/usr/bin:/bin';

/**
 * `command args` wrapped to die with this process, or unchanged where that cannot be done (no setpriv, not
 * Linux) and for a command that is not an executable file: that one is spawned as it is, so the caller still
 * gets the spawn error it would have had (ENOENT: "pg_restore is not installed").
 */
export function dyingWithParent(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string | undefined,
  /** The process the tool must die with: this one (a test names another to see the guard refuse). */
  parentPid = process.pid,
): { command: string; args: readonly string[] } {
  if (!SETPRIV || !SH) return { command, args };
  // The command as given, not the path found: a tool names itself by its argv[0] ("tar: …"), and the shell's
  // exec looks it up on the same PATH, from the same directory.
  const found = executablePath(command, env.PATH ?? DEFAULT_PATH, cwd ?? process.cwd());
  return found ? { command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', SH, '-c', PARENT_GUARD, String(parentPid), command, ...args] } : { command, args };
}

const SH = process.platform === 'linux' ? ['/bin/sh', '/usr/bin/sh'].find((path) => existsSync(path)) : undefined;
/** $0 = the pid of the process that started the tool; "$@" = the tool and its arguments. 137: as if SIGKILLed. */
const PARENT_GUARD = '[ "$PPID" = "$0" ] || exit 137; exec "$@"';

/** The file execvp would run for `command`, or null: then it is spawned unwrapped, for the spawn error it gets. */
function executablePath(command: string, pathList: string, cwd: string): string | null {
  if (command.includes('/')) return isExecutable(resolve(cwd, command)) ? resolve(cwd, command) : null;
  for (const dir of pathList.split(delimiter)) {
    const candidate = resolve(cwd, join(dir || '.', command));
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
