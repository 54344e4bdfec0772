// Running borg for a source, here or on its `host` over ssh: the passphrase only in borg's environment (over
// ssh: on stdin, never in an argv), borg's own state kept apart from the user's, never a prompt, a short lock
// wait, times printed in UTC, and borg's errors (read from --log-json) turned into ProbeErrors a sysadmin can act on.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BorgSourceConfig } from '../../../../shared/config';
import type { ProbeErrorCode } from '../../../../shared/model';
import type { RunOptions, RunResult } from '../../exec';
import { runTool, type ToolRunOptions } from '../../remote';
import { readPasswordFile } from '../../secrets';
import { ProbeError } from '../../errors';

/**
 * Seconds borg waits for the repository lock. A running `borg create` holds it for the whole backup, so a poll
 * then fails fast with "locked" instead of eating its whole timeout.
 */
export const BORG_LOCK_WAIT_S = 1;

/**
 * borg's cache and security dirs (BORG_BASE_DIR) for Backup Health alone, under the XDG cache dir: a poll must not
 * rebuild or lock the user's own chunks cache, and a persistent dir (unlike the temp dir) keeps the chunks cache
 * `borg info` builds once, and the security dir that remembers each repository's id and location.
 */
export function borgBaseDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'backup-health', 'borg');
}

/**
 * The same, on a backup host: a path there, not here. Relative, so borg reads it against its working directory,
 * which for an ssh command is the login's home: ~/.cache/backup-health/borg of whoever Backup Health logs in as.
 * Not the remote default (~/.cache/borg): that is the backup job's own chunks cache when the same user runs the
 * backups, and a poll holding its lock would make the nightly `borg create` wait or fail.
 */
export const REMOTE_BORG_BASE_DIR = '.cache/backup-health/borg';

/**
 * Where borg finds the key of a `keyfile` repository: the user's own keys dir (BORG_KEYS_DIR when they set it,
 * else borg's default under ~/.config), not one under the separate BORG_BASE_DIR, where no key ever is.
 * On a backup host: the ssh login's ~/.config/borg/keys (relative to the home an ssh command starts in).
 */
export function borgKeysDir(source: BorgSourceConfig): string {
  if (source.host) return '.config/borg/keys';
  return process.env.BORG_KEYS_DIR || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'borg', 'keys');
}

/** Inherited variables that would change which repository or passphrase borg uses. */
const INHERITED_BORG_VARIABLES = ['BORG_REPO', 'BORG_PASSPHRASE', 'BORG_PASSCOMMAND', 'BORG_PASSPHRASE_FD', 'BORG_NEW_PASSPHRASE', 'BORG_BASE_DIR', 'BORG_CACHE_DIR', 'BORG_SECURITY_DIR', 'BORG_CONFIG_DIR', 'BORG_KEYS_DIR'];

/** The passphrase as configured, or '' for an unencrypted repository (then borg never prompts: it fails instead). */
export async function borgPassphrase(source: BorgSourceConfig): Promise<string> {
  if (source.passwordEnv) {
    const value = process.env[source.passwordEnv];
    if (value === undefined || value === '') throw new ProbeError('config', `the environment variable ${source.passwordEnv} (passwordEnv) is not set`);
    return value;
  }
  if (source.passwordFile) return readPasswordFile(source.passwordFile);
  return '';
}

/** The repository as messages name it: `/srv/borg/orders`, or `/srv/borg/orders on backup@backup1`. */
export function repoName(source: BorgSourceConfig): string {
  return source.host ? `${source.repo} on ${source.host}` : source.repo;
}

/** What borg runs with, here or on source.host: runTool's env, unsetEnv and secret. */
export function borgToolOptions(source: BorgSourceConfig, passphrase: string): Pick<ToolRunOptions, 'env' | 'unsetEnv' | 'secret'> {
  return {
    unsetEnv: INHERITED_BORG_VARIABLES,
    // Through the environment only: never on the command line (visible to every user in ps) nor in a shell
    // string (BORG_PASSCOMMAND). Set even when empty, so an encrypted repository fails instead of prompting.
    secret: { name: 'BORG_PASSPHRASE', value: passphrase },
    env: {
      BORG_DISPLAY_PASSPHRASE: 'no',
      BORG_BASE_DIR: source.host ? REMOTE_BORG_BASE_DIR : borgBaseDir(),
      BORG_KEYS_DIR: borgKeysDir(source),
      // Both would otherwise stop at a yes/no prompt the first time this (separate) security dir sees the
      // repository, or after it was moved or remounted: the user named this repository in the config, and
      // Backup Health only reads it. Borg still refuses a repository whose id changed or that looks rolled back.
      BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes',
      BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
      LANG: 'C.UTF-8',
      // borg prints times in the local time of the machine it runs on, without a zone. A backup host's zone is
      // unknown here, so borg runs in UTC everywhere (a POSIX TZ string: no tzdata needed) and parseBorgTime
      // reads UTC.
      TZ: 'UTC0',
    },
  };
}

/** The options every borg call starts with. */
export function borgCommonArgs(lockWaitS = BORG_LOCK_WAIT_S): string[] {
  return ['--log-json', '--lock-wait', String(lockWaitS)];
}

export interface BorgRun {
  source: BorgSourceConfig;
  passphrase: string;
  /** borg's subcommand and its arguments; the common options are added in front. */
  args: string[];
  signal?: AbortSignal;
  timeoutMs: number;
  /** The working directory of a local borg (where extract writes). */
  cwd?: string;
  onStderr?: RunOptions['onStderr'];
  lockWaitS?: number;
}

/** borg here, or on source.host over ssh (ssh's own failures are thrown as ProbeErrors by runTool). */
export function runBorg({ source, passphrase, args, signal, timeoutMs, cwd, onStderr, lockWaitS }: BorgRun): Promise<RunResult> {
  return runTool(source, 'borg', [...borgCommonArgs(lockWaitS), ...args], { ...borgToolOptions(source, passphrase), signal, timeoutMs, cwd, onStderr, maxOutputBytes: 64 * 1024 * 1024 });
}

/** One line of `borg --log-json` stderr. */
interface BorgLogLine {
  type?: string;
  levelname?: string;
  msgid?: string;
  message?: string;
}

export function borgLogLines(stderr: string): BorgLogLine[] {
  const lines: BorgLogLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as BorgLogLine);
    } catch {
      // a line cut by the output cap
    }
  }
  return lines;
}

/** What went wrong, as a ProbeError naming the repository (and its host): borg's msgid says which failure it was. */
export function borgError(source: BorgSourceConfig, result: RunResult): ProbeError {
  const repo = repoName(source);
  const fail = (code: ProbeErrorCode, message: string) => new ProbeError(code, message, source.host);
  if (result.spawnError) {
    return result.spawnError.code === 'ENOENT'
      ? fail('config', 'borg is not installed or not on PATH; install borgbackup (apt-get install borgbackup)')
      : fail('failed', `borg could not start: ${result.spawnError.message}`);
  }
  if (result.timedOut) return fail('timeout', `borg did not answer within ${Math.round(result.durationMs / 1000)}s reading ${repo}`);
  if (result.aborted) return fail('timeout', `reading ${repo} with borg was stopped`);
  // The remote shell (or env) could not find borg: 127 is "command not found" for both.
  if (source.host && result.code === 127) return fail('config', `borg is not installed on ${source.host}, or not on the PATH of an ssh login there; install borgbackup there`);
  const errors = borgLogLines(result.stderr).filter((l) => l.type === 'log_message' && (l.levelname === 'ERROR' || l.levelname === 'CRITICAL'));
  const error = errors.find((l) => l.msgid) ?? errors.at(-1);
  const said = error?.message?.trim() ?? result.stderr.trim().split('\n').filter((l) => l && !l.startsWith('{')).at(-1) ?? `exited with code ${result.code}`;
  switch (error?.msgid) {
    case 'PassphraseWrong':
    case 'NoPassphraseFailure':
      return source.passwordEnv || source.passwordFile
        ? fail('auth-failed', `the passphrase from ${source.passwordFile ? `passwordFile ${source.passwordFile}` : `passwordEnv ${source.passwordEnv}`} does not open the borg repository ${repo}; it must hold the repository's passphrase, what borg reads from BORG_PASSPHRASE`)
        : fail('auth-failed', `the borg repository ${repo} is encrypted: set passwordFile (chmod 600) or passwordEnv to its passphrase`);
    case 'Repository.DoesNotExist':
      return fail('not-found', `no borg repository at ${repo}: check repo, and that the disk holding it is mounted`);
    case 'Repository.InvalidRepository':
    case 'Repository.InvalidRepositoryConfig':
      return fail('config', `${repo} is not a borg repository: point repo at the directory holding its config file`);
    case 'LockTimeout':
    case 'LockFailed':
    case 'LockError':
      return fail('failed', `the borg repository ${repo} is locked by another borg process (a backup, prune or check running now?) and stayed locked for ${BORG_LOCK_WAIT_S}s; if none runs, remove the stale lock with borg break-lock`);
    case 'Repository.CheckNeeded':
      return fail('failed', `the borg repository ${repo} needs a check: run borg check ${source.repo}${source.host ? ` on ${source.host}` : ''}`);
  }
  if (/permission denied/i.test(said)) return fail('permission-denied', `permission denied reading the borg repository ${repo}: ${said}`);
  return fail('failed', `borg failed on ${repo}: ${said}`);
}

/**
 * A borg timestamp ("2024-05-01T03:00:12.345678"): local time of the machine borg ran on, without a zone.
 * Borg always runs with TZ=UTC0 (borgToolOptions), here and on a backup host, so it is read as UTC.
 */
export function parseBorgTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '0'] = m;
  const ms = Math.floor(Number(frac.padEnd(6, '0')) / 1000);
  const at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  return Number.isNaN(at) ? null : at;
}
