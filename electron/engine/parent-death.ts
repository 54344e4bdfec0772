// A parent-death signal for every tool the engine starts: on Linux each runs under util-linux's
// `setpriv --pdeathsig KILL`, so it is killed the moment this process ends, however it ends (SIGKILL included).
// Tools are started detached (their own process group, exec.ts), so nothing else would end them: a killed drill
// would leave pg_restore, ssh, restic or pgbackrest running on, and a killed `check` its ssh.
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
export function dyingWithParent(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string | undefined): { command: string; args: readonly string[] } {
  if (!SETPRIV) return { command, args };
  // The command as given, not the path found: a tool names itself by its argv[0] ("tar: …"), and setpriv's
  // execvp looks it up on the same PATH, from the same directory.
  const found = executablePath(command, env.PATH ?? DEFAULT_PATH, cwd ?? process.cwd());
  return found ? { command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args };
}

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
