// How Backup Health runs restic, here or on the source's `host` over ssh: the repository password reaches it
// only through its environment (RESTIC_PASSWORD_FILE, or RESTIC_PASSWORD sent as runTool's secret), never on
// the command line and never in a message; the caller's RESTIC_* variables never leak in; and its failures
// become ProbeErrors a sysadmin can act on, naming the host when restic ran there. A repository in S3 takes its
// credentials from the environment restic inherits (AWS_ACCESS_KEY_ID…, AWS_PROFILE): passed through, never
// read or printed here.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ResticSourceConfig } from '../../../../shared/config';
import { describeFailure, type RunOptions, type RunResult } from '../../exec';
import { runTool, type ToolRunOptions } from '../../remote';
import { readPasswordFile } from '../../secrets';
import { ProbeError } from '../../errors';
import { reachProblem } from './restic-reach';

export interface ResticCall {
  /** Read-only commands pass --no-lock: they work while a backup or prune holds the lock. */
  noLock: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  onStdout?: RunOptions['onStdout'];
  /** Characters of stdout kept (for a listing counted through onStdout, not kept). */
  maxOutputBytes?: number;
}

/** Variables of the caller's environment that would point restic at another repository or password. */
const INHERITED_RESTIC_VARS = ['RESTIC_REPOSITORY', 'RESTIC_REPOSITORY_FILE', 'RESTIC_PASSWORD', 'RESTIC_PASSWORD_FILE', 'RESTIC_PASSWORD_COMMAND'];

export function resticCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'backup-health', 'restic');
}

/** One restic run as runTool takes it: the full argument list and what goes into its environment. */
export interface ResticInvocation extends Pick<ToolRunOptions, 'env' | 'unsetEnv' | 'secret'> {
  args: string[];
  /** The password when Backup Health holds it (passwordEnv, or a passwordFile read for a remote host): scrubbed from messages. */
  password?: string;
}

/**
 * `restic -r REPO [--cache-dir …] [--no-lock] ARGS` with the password and environment for where it runs.
 * Throws a config ProbeError when the password cannot be had (variable unset, password file unreadable).
 *
 * Here, a passwordFile is handed to restic by name (RESTIC_PASSWORD_FILE) and the cache goes to our own XDG
 * cache directory. On a remote host the file is ours, not the host's: it is read here (0600 checked) and
 * travels as the secret RESTIC_PASSWORD on ssh's stdin. The cache there is restic's own default (~/.cache/restic
 * of the ssh login): our local path means nothing on that host, and restic's cache is keyed by repository id
 * and shared safely between restic processes, so a backup job's warm cache on that host saves our reads.
 */
export async function resticInvocation(source: ResticSourceConfig, args: readonly string[], noLock: boolean): Promise<ResticInvocation> {
  const global = ['-r', source.repo, ...(source.cacert ? ['--cacert', source.cacert] : []), ...(source.host ? [] : ['--cache-dir', resticCacheDir()]), ...(noLock ? ['--no-lock'] : [])];
  const unsetEnv = INHERITED_RESTIC_VARS;
  if (source.passwordFile && !source.host) {
    return { args: [...global, ...args], env: { RESTIC_PASSWORD_FILE: source.passwordFile }, unsetEnv };
  }
  const password = source.passwordFile ? await readPasswordFile(source.passwordFile, source.host) : passwordFromEnv(source);
  return { args: [...global, ...args], unsetEnv, secret: { name: 'RESTIC_PASSWORD', value: password }, password };
}

function passwordFromEnv(source: ResticSourceConfig): string {
  if (!source.passwordEnv) {
    throw new ProbeError('config', `no password for restic repository ${repoAt(source)}: set passwordFile or passwordEnv`, source.host);
  }
  const password = process.env[source.passwordEnv];
  if (password === undefined || password === '') {
    throw new ProbeError('config', `environment variable ${source.passwordEnv} (passwordEnv) is not set: set it to the password of restic repository ${repoAt(source)}`, source.host);
  }
  return password;
}

/** Runs `restic -r REPO [--no-lock] ARGS` here or on source.host; returns the result only when restic exited 0. */
export async function runRestic(source: ResticSourceConfig, args: readonly string[], call: ResticCall): Promise<RunResult> {
  const { args: argv, password, ...environment } = await resticInvocation(source, args, call.noLock);
  const result = await runTool(source, 'restic', argv, {
    ...environment,
    timeoutMs: call.timeoutMs,
    signal: call.signal,
    onStdout: call.onStdout,
    ...(call.maxOutputBytes ? { maxOutputBytes: call.maxOutputBytes } : {}),
  });
  if (result.code === 0 && !result.spawnError && !result.timedOut && !result.aborted) return result;
  throw resticError(source, args[0] ?? 'restic', result, password);
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
    host?: string,
  ) {
    super(code, message, host);
  }
}

/** restic's failure in the sysadmin's words. `password` is scrubbed from anything quoted from restic. */
export function resticError(source: ResticSourceConfig, subcommand: string, result: RunResult, password?: string): ResticError {
  const repo = repoAt(source);
  const host = source.host;
  const fail = (code: ProbeError['code'], message: string, damage = false, output = '') => new ResticError(code, message, damage, output, host);
  if (result.spawnError) {
    return fail('failed', result.spawnError.code === 'ENOENT' ? 'restic is not installed or not on PATH: install restic (apt-get install restic)' : `restic could not start: ${result.spawnError.message}`);
  }
  if (result.timedOut) return fail('timeout', `restic ${subcommand} on ${repo} timed out after ${Math.round(result.durationMs / 1000)}s`);
  if (result.aborted) return fail('timeout', `restic ${subcommand} on ${repo} was cancelled`);
  const stderr = result.stderr;
  // 127: the login shell on the host found no restic (sh: restic: not found).
  if (host && result.code === 127) return fail('config', `restic is not installed on ${host}, or not on the PATH of an ssh login there: install restic there`);
  const unreachable = reachProblem(stderr, source, repo);
  if (unreachable) return fail(unreachable.code, scrub(unreachable.message, password, source.repo));
  if (/wrong password or no key found/i.test(stderr)) {
    const where = source.passwordFile ? `passwordFile ${source.passwordFile}` : `passwordEnv ${source.passwordEnv ?? ''}`.trim();
    return fail('auth-failed', `wrong password for restic repository ${repo}: check passwordFile/passwordEnv (${where}); it must hold the password the repository was made with, what restic reads from RESTIC_PASSWORD`);
  }
  if (/unable to open config file|Is there a repository at the following location|repository does not exist/i.test(stderr)) {
    return fail('not-found', `no restic repository at ${repo}: check repo (restic init creates one)`);
  }
  if (/repository is already locked/i.test(stderr)) {
    const by = /locked (?:exclusively )?by (.+)/i.exec(stderr)?.[1]?.trim();
    return fail('failed', `restic repository ${repo} is locked${by ? ` by ${scrub(by, password, source.repo)}` : ''}: another restic (backup, prune, check) is running; if none is, run restic unlock`);
  }
  if (/permission denied/i.test(stderr)) {
    return fail('permission-denied', `permission denied reading restic repository ${repo}: ${scrub(lastLine(stderr), password, source.repo)}`);
  }
  const what = describeFailure(result, `restic ${subcommand}`) + (host ? ` (on ${host})` : '');
  return fail('failed', scrub(what, password, source.repo), true, scrub(stderr, password, source.repo));
}

/** The repository for messages: a password in a URL (rest:https://user:pw@host/) is hidden. */
export function displayRepo(repo: string): string {
  return repo.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}

/** The repository for messages, with the host restic reads it from when that is not this machine. */
export function repoAt(source: Pick<ResticSourceConfig, 'repo' | 'host'>): string {
  return source.host ? `${displayRepo(source.repo)} on ${source.host}` : displayRepo(source.repo);
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

export function scrub(text: string, password: string | undefined, repo?: string): string {
  let out = password ? text.split(password).join('***') : text;
  if (repo && repo !== displayRepo(repo)) out = out.split(repo).join(displayRepo(repo));
  return out;
}
