// How Backup Health runs restic: the repository password reaches it only through its environment
// (RESTIC_PASSWORD_FILE, or RESTIC_PASSWORD copied from the named variable), never on the command line and
// never in a message; its cache goes to our own XDG cache directory, never into the repository; and its
// failures become ProbeErrors a sysadmin can act on.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ResticSourceConfig } from '../../../shared/config';
import { describeFailure, run, type RunOptions, type RunResult } from '../exec';
import { ProbeError } from './probe';

export interface ResticCall {
  /** Read-only commands pass --no-lock: they work while a backup or prune holds the lock. */
  noLock: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  onStdout?: RunOptions['onStdout'];
}

/** Variables of the caller's environment that would point restic at another repository or password. */
const INHERITED_RESTIC_VARS = ['RESTIC_REPOSITORY', 'RESTIC_REPOSITORY_FILE', 'RESTIC_PASSWORD', 'RESTIC_PASSWORD_FILE', 'RESTIC_PASSWORD_COMMAND'];

export function resticCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'backup-health', 'restic');
}

/** The environment restic runs with; throws a config ProbeError when the named variable is unset. */
export function resticEnv(source: ResticSourceConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_RESTIC_VARS) delete env[name];
  if (source.passwordFile) {
    env.RESTIC_PASSWORD_FILE = source.passwordFile;
  } else if (source.passwordEnv) {
    const password = process.env[source.passwordEnv];
    if (password === undefined || password === '') {
      throw new ProbeError('config', `environment variable ${source.passwordEnv} (passwordEnv) is not set: set it to the password of restic repository ${displayRepo(source.repo)}`);
    }
    env.RESTIC_PASSWORD = password;
  } else {
    throw new ProbeError('config', `no password for restic repository ${displayRepo(source.repo)}: set passwordFile or passwordEnv`);
  }
  return env;
}

/** Runs `restic -r REPO [--no-lock] ARGS`; returns the result only when restic exited 0. */
export async function runRestic(source: ResticSourceConfig, args: readonly string[], call: ResticCall): Promise<RunResult> {
  const env = resticEnv(source);
  const global = ['-r', source.repo, '--cache-dir', resticCacheDir(), ...(call.noLock ? ['--no-lock'] : [])];
  const result = await run('restic', [...global, ...args], { env, timeoutMs: call.timeoutMs, signal: call.signal, onStdout: call.onStdout });
  if (result.code === 0 && !result.spawnError && !result.timedOut && !result.aborted) return result;
  throw resticError(source, args[0] ?? 'restic', result, env.RESTIC_PASSWORD);
}

/**
 * A failed restic run. `damage` is true when restic ran against the repository and reported something other
 * than a setup problem (password, location, lock, permissions, time): for a restore or check, a bad backup.
 */
export class ResticError extends ProbeError {
  constructor(
    code: ProbeError['code'],
    message: string,
    readonly damage = false,
    /** What restic printed on stderr (scrubbed), for a drill to quote the first error. */
    readonly output = '',
  ) {
    super(code, message);
  }
}

/** restic's failure in the sysadmin's words. `password` is scrubbed from anything quoted from restic. */
export function resticError(source: ResticSourceConfig, subcommand: string, result: RunResult, password?: string): ResticError {
  const repo = displayRepo(source.repo);
  if (result.spawnError) {
    return new ResticError('failed', result.spawnError.code === 'ENOENT' ? 'restic is not installed or not on PATH: install restic (apt-get install restic)' : `restic could not start: ${result.spawnError.message}`);
  }
  if (result.timedOut) return new ResticError('timeout', `restic ${subcommand} on ${repo} timed out after ${Math.round(result.durationMs / 1000)}s`);
  if (result.aborted) return new ResticError('timeout', `restic ${subcommand} on ${repo} was cancelled`);
  const stderr = result.stderr;
  if (/wrong password or no key found/i.test(stderr)) {
    const where = source.passwordFile ? `passwordFile ${source.passwordFile}` : `passwordEnv ${source.passwordEnv ?? ''}`.trim();
    return new ResticError('auth-failed', `wrong password for restic repository ${repo}: check passwordFile/passwordEnv (${where})`);
  }
  if (/unable to open config file|Is there a repository at the following location|repository does not exist/i.test(stderr)) {
    return new ResticError('not-found', `no restic repository at ${repo}: check repo (restic init creates one)`);
  }
  if (/repository is already locked/i.test(stderr)) {
    const by = /locked (?:exclusively )?by (.+)/i.exec(stderr)?.[1]?.trim();
    return new ResticError('failed', `restic repository ${repo} is locked${by ? ` by ${scrub(by, password, source.repo)}` : ''}: another restic (backup, prune, check) is running; if none is, run restic unlock`);
  }
  if (/permission denied/i.test(stderr)) {
    return new ResticError('permission-denied', `permission denied reading restic repository ${repo}: ${scrub(lastLine(stderr), password, source.repo)}`);
  }
  return new ResticError('failed', scrub(describeFailure(result, `restic ${subcommand}`), password, source.repo), true, scrub(stderr, password, source.repo));
}

/** The repository for messages: a password in a URL (rest:https://user:pw@host/) is hidden. */
export function displayRepo(repo: string): string {
  return repo.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

function scrub(text: string, password: string | undefined, repo?: string): string {
  let out = password ? text.split(password).join('***') : text;
  if (repo && repo !== displayRepo(repo)) out = out.split(repo).join(displayRepo(repo));
  return out;
}
