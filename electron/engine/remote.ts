// Running a tool on another machine over ssh, with the user's own ssh config, keys and agent. The remote
// side always parses a command string with the login user's shell, so the argument array is quoted for a
// POSIX shell here, once, and nowhere else. BatchMode: a background app can never answer a prompt.
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { describeFailure, run, type RunOptions, type RunResult } from './exec';
import { ProbeError } from './errors';

/** Where a source's tools run: this machine, or `host` over ssh. Every kind but postgres takes these fields. */
export interface Where {
  host?: string;
  sshOptions?: readonly string[];
}

/** Seconds ssh waits for the TCP connection; a user's `ConnectTimeout=…` in sshOptions wins over it. */
export const SSH_CONNECT_TIMEOUT_S = 10;

/** One `-o` option as the config schema takes it: Key=Value, one line, the value not starting with a dash. */
const SSH_OPTION_LINE = /^[A-Za-z][A-Za-z0-9]*=[^\s-][^\0-\x1f\x7f]*$/;

/** Quotes each argument in single quotes (an embedded ' becomes '\''), so a POSIX shell reads back exactly argv. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * [command, args] for exec.run: `ssh -o BatchMode=yes [sshOptions…] -o ConnectTimeout=10 -- host '<argv…>'`.
 * ssh keeps the first value it sees for an option, so BatchMode comes first (it cannot be turned off) and
 * the default ConnectTimeout last (a user's own value wins). `sshOptions` are `Key=Value` strings, already
 * validated by the config schema.
 */
export function sshCommand(host: string, sshOptions: readonly string[] | undefined, remoteArgv: readonly string[]): [string, string[]] {
  if (host.startsWith('-')) throw new ProbeError('config', `"${host}" is not a host name`);
  // The schema checked these already; this is the last gate before ssh reads each as one config line: a line
  // break would start a second option, a leading dash is not an option at all.
  const bad = (sshOptions ?? []).find((option) => !SSH_OPTION_LINE.test(option));
  if (bad !== undefined) throw new ProbeError('config', `${JSON.stringify(bad)} is not an ssh option (write Key=Value on one line)`);
  const options = (sshOptions ?? []).flatMap((option) => ['-o', option]);
  return ['ssh', ['-o', 'BatchMode=yes', ...options, '-o', `ConnectTimeout=${SSH_CONNECT_TIMEOUT_S}`, '--', host, shellQuote(remoteArgv)]];
}

/** `backup1` of `root@backup1`, for messages that tell the user what to type. */
function hostName(host: string): string {
  return host.slice(host.lastIndexOf('@') + 1);
}

/**
 * Why ssh itself failed (it exits 255), as a ProbeError a sysadmin can act on; null when ssh connected and the
 * remote command ran (its own exit code and stderr are the caller's to read).
 */
export function describeSshFailure(result: RunResult, host: string): ProbeError | null {
  if (result.spawnError) {
    const why = result.spawnError.code === 'ENOENT' ? 'ssh is not installed or not on PATH: install openssh-client' : `ssh could not start: ${result.spawnError.message}`;
    return new ProbeError('config', why, host);
  }
  if (result.timedOut) return new ProbeError('timeout', `no answer from ${host} over ssh within ${Math.round(result.durationMs / 1000)}s`, host);
  if (result.aborted) return new ProbeError('timeout', `the ssh connection to ${host} was stopped (timeout or shutdown)`, host);
  if (result.code !== 255) return null;
  const stderr = result.stderr;
  const name = hostName(host);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return new ProbeError('config', `the host key of ${name} has changed since it was accepted (a reinstalled server, or someone in between): check it, then fix known_hosts (ssh-keygen -R ${name})`, host);
  }
  if (/Host key verification failed/i.test(stderr)) {
    return new ProbeError('config', `the host key of ${name} is not known or changed: connect once with ssh ${host} to check and accept it`, host);
  }
  if (/Permission denied/i.test(stderr)) {
    const said = /Permission denied[^\r\n]*/i.exec(stderr)![0].replace(/\.$/, '');
    return new ProbeError('auth-failed', `${name} refused the ssh login as ${host} (${said}): load your key into ssh-agent or set IdentityFile in ~/.ssh/config, and make sure it is in ~/.ssh/authorized_keys on ${name}`, host);
  }
  if (/Could not resolve hostname/i.test(stderr)) return new ProbeError('dns', `cannot resolve the host name ${name}: check host, or its HostName in ~/.ssh/config`, host);
  if (/Connection refused/i.test(stderr)) return new ProbeError('refused', `${name} refused the ssh connection: is sshd running there, and on the port you use (Port in sshOptions or ~/.ssh/config)?`, host);
  if (/timed out/i.test(stderr)) return new ProbeError('timeout', `the ssh connection to ${name} timed out: is the host up and reachable from here (firewall, VPN)?`, host);
  if (/No route to host|Network is unreachable/i.test(stderr)) return new ProbeError('refused', `${name} is not reachable: ${lastLine(stderr)}`, host);
  const last = lastLine(stderr);
  return new ProbeError('failed', last ? `ssh to ${host} failed: ${last}` : `ssh to ${host} failed (exit 255)`, host);
}

function lastLine(text: string): string {
  return (text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? '').replace(/\.$/, '');
}

export interface ToolRunOptions extends Omit<RunOptions, 'env' | 'input' | 'uid' | 'gid'> {
  /** Variables set for the tool: over this process's environment here, with env(1) on a remote host. */
  env?: Readonly<Record<string, string>>;
  /** Inherited variables the tool must not see (here: removed; remotely: env -u, against the login's own). */
  unsetEnv?: readonly string[];
  /**
   * A secret the tool reads from its environment (RESTIC_PASSWORD, BORG_PASSPHRASE). Remotely it travels on
   * ssh's stdin and a tiny sh wrapper exports it, so it is never in an argv (ps) nor needs AcceptEnv on the
   * server. One line: a secret holding a newline is refused.
   */
  secret?: { name: string; value: string };
  /**
   * Return ssh's own failures (exit 255) as results instead of throwing them: for fetchTar, where ssh also
   * exits 255 when the local tar it writes to went away, and only the caller can tell which happened.
   */
  returnSshFailures?: boolean;
}

/**
 * The one place a source's tool is started, here or over ssh: `command args…` with `env`, `unsetEnv` and the
 * secret. Over ssh, a failure of ssh itself (cannot start, exit 255: host key, login, refused, unreachable)
 * is thrown as a ProbeError saying what to fix; everything else (the tool's exit code, timeouts) is the
 * caller's to read, as for a local run.
 */
export async function runTool(where: Where, command: string, args: readonly string[], options: ToolRunOptions = {}): Promise<RunResult> {
  const { env = {}, unsetEnv = [], secret, returnSshFailures = false, ...rest } = options;
  if (!where.host) {
    const local: NodeJS.ProcessEnv = { ...process.env };
    for (const name of unsetEnv) delete local[name];
    Object.assign(local, env, secret ? { [secret.name]: secret.value } : {});
    return run(command, args, { ...rest, env: local });
  }
  if (secret && /[\r\n]/.test(secret.value)) throw new ProbeError('config', `the secret for ${secret.name} holds a line break, which cannot be sent to ${where.host}`);
  const [ssh, sshArgs] = sshCommand(where.host, where.sshOptions, remoteArgv(command, args, env, unsetEnv, secret?.name));
  const result = await run(ssh, sshArgs, { ...rest, ...(secret ? { input: `${secret.value}\n` } : {}) });
  const sshFailure = result.timedOut || result.aborted || returnSshFailures ? null : describeSshFailure(result, where.host);
  if (sshFailure) throw sshFailure;
  return { ...result, command: `ssh ${where.host} ${[command, ...args].join(' ')}` };
}

/**
 * `[env -u X…] [sh -c '<read the secret>; exec "$@"' sh] [env K=V…] command args…`, as the remote shell must
 * run it: inherited variables go first, then the secret is set, then the plain ones, as a local run does.
 */
export function remoteArgv(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, unsetEnv: readonly string[] = [], secretName?: string): string[] {
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const unset = unsetEnv.flatMap((name) => ['-u', name]);
  const tool = [...(assignments.length ? ['env', ...assignments] : []), command, ...args];
  if (!secretName) return unset.length || assignments.length ? ['env', ...unset, ...assignments, command, ...args] : [command, ...args];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretName)) throw new Error(`${secretName} is not a variable name`);
  // `read` fails at end of input without a newline; the value is still read, hence the `|| [ -n ]`.
  const script = `IFS= read -r bh_secret || [ -n "$bh_secret" ] || exit 97; ${secretName}=$bh_secret; export ${secretName}; unset bh_secret; exec "$@"`;
  return [...(unset.length ? ['env', ...unset] : []), 'sh', '-c', script, 'sh', ...tool];
}

export interface FetchProgress {
  /** Bytes received so far. */
  bytes: number;
}

export interface FetchTarOptions extends Pick<ToolRunOptions, 'env' | 'unsetEnv' | 'secret' | 'signal' | 'timeoutMs'> {
  onProgress?: (progress: FetchProgress) => void;
  /**
   * How `tar -x` runs here (default: plainly, as this process's user). A drill unpacks as its unprivileged
   * user inside its sandbox (drill-jail.ts): the archive is the backup's, and so hostile input.
   */
  untar?: Untar;
}

/** Turns tar's argv into what to spawn: a wrapper command, its environment and the user it runs as. */
export type Untar = (command: string, args: string[]) => { command: string; args: string[]; env?: NodeJS.ProcessEnv; uid?: number; gid?: number };

const plainUntar: Untar = (command, args) => ({ command, args });

/**
 * Copies a tree to this machine: `command args…` runs on `where.host` and writes a tar archive to stdout
 * (tar -c, restic dump --archive tar, borg export-tar), which a local `tar -x` unpacks into `dest` (an empty
 * directory) as it arrives, so nothing is held in memory. Owners are not kept (files belong to the user
 * running Backup Health); modes are. Throws a ProbeError for ssh's own failures; otherwise returns both
 * results for the caller to judge (describeFetchFailure).
 *
 * On Linux ssh writes straight into tar's stdin (one pipe shared by the two processes: the bytes never pass
 * through this one, which measured 1.5x slower on two busy cores) and progress is what tar has read, from
 * /proc/<tar>/io. Elsewhere the bytes pass through here and are counted as they go (fetchTarThroughNode).
 */
export function fetchTar(where: Where, command: string, args: readonly string[], dest: string, options: FetchTarOptions = {}): Promise<FetchedTree> {
  return existsSync('/proc/self/io') ? fetchTarDirect(where, command, args, dest, options) : fetchTarThroughNode(where, command, args, dest, options);
}

export interface FetchedTree {
  remote: RunResult;
  local: RunResult;
}

const PROGRESS_EVERY_MS = 250;
/** After tar gave up, how long the sender may take to notice (EPIPE) and exit on its own before it is stopped. */
const SENDER_GRACE_MS = 2000;

const untarArgs = (dest: string) => ['-x', '-f', '-', '--no-same-owner', '-C', dest];

async function fetchTarDirect(where: Where, command: string, args: readonly string[], dest: string, options: FetchTarOptions): Promise<FetchedTree> {
  const { onProgress, signal, timeoutMs = 6 * 3_600_000, untar: untarAs = plainUntar, ...tool } = options;
  // Stops both ends: the caller's cancel, or one end giving up on the other.
  const stopBoth = new AbortController();
  const both = signal ? AbortSignal.any([signal, stopBoth.signal]) : stopBoth.signal;
  let tarStdin: Writable | undefined;
  let tarPid: number | undefined;
  let bytes = 0;
  const readProgress = () => {
    // tar itself, or (sandboxed) the tar under bubblewrap's processes: the most any of them has read.
    for (const pid of tarPid === undefined ? [] : [tarPid, ...descendantsOf(tarPid)]) {
      try {
        const rchar = /^rchar:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
        if (rchar) bytes = Math.max(bytes, Number(rchar[1]));
      } catch {
        // exited
      }
    }
  };
  const ticker = setInterval(() => {
    readProgress();
    onProgress?.({ bytes });
  }, PROGRESS_EVERY_MS);
  let graceTimer: NodeJS.Timeout | undefined;
  let senderDone = false;
  try {
    const tar = untarAs('tar', untarArgs(dest));
    const untar = run(tar.command, tar.args, {
      stdinPipe: (stdin) => (tarStdin = stdin),
      onSpawn: (child) => (tarPid = child.pid),
      signal: both,
      timeoutMs,
      ...(tar.env ? { env: tar.env } : {}),
      uid: tar.uid,
      gid: tar.gid,
    }).then((result) => {
      // tar stopped early (disk full, bad archive): a sender still writing gets EPIPE and exits; one that is
      // silent (a restore running there before it sends) is stopped after a grace.
      if (result.code !== 0 && !senderDone) graceTimer = setTimeout(() => stopBoth.abort(), SENDER_GRACE_MS);
      return result;
    });
    const closeOurEnd = () => {
      if (tarStdin && !tarStdin.destroyed) tarStdin.destroy();
    };
    const send = runTool(where, command, args, {
      ...tool,
      signal: both,
      timeoutMs,
      maxOutputBytes: 1024 * 1024,
      returnSshFailures: true,
      stdoutInto: tarStdin,
      // ssh holds its own copy of the pipe now: closing ours lets tar see the end when ssh ends.
      onSpawn: closeOurEnd,
    });
    const [remote, local] = await Promise.allSettled([
      send.finally(() => {
        senderDone = true;
        closeOurEnd();
      }),
      untar,
    ]);
    if (remote.status === 'rejected') throw remote.reason;
    const fetched = { remote: remote.value, local: (local as PromiseFulfilledResult<RunResult>).value };
    // ssh exits 255 both for its own failures and when tar here went away (EPIPE): only the first is thrown.
    if (where.host && !tarGaveUp(fetched.local)) {
      const sshFailure = fetched.remote.timedOut || fetched.remote.aborted ? null : describeSshFailure(fetched.remote, where.host);
      if (sshFailure) throw sshFailure;
    }
    clearInterval(ticker);
    // tar is gone, and its /proc entry with it: what it unpacked is the last word on how much arrived.
    bytes = Math.max(bytes, await treeBytes(dest));
    onProgress?.({ bytes });
    return fetched;
  } finally {
    clearInterval(ticker);
    if (graceTimer) clearTimeout(graceTimer);
  }
}

/** The pids under `pid` (children, grandchildren, …), from /proc's children lists. */
function descendantsOf(pid: number, depth = 3): number[] {
  if (depth === 0) return [];
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendantsOf(child, depth - 1)]);
}

/** tar's own first complaint, which says more than its exit code ("…: Cannot open: Permission denied"). */
export function tarComplaint(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => /^tar: /.test(l) && !/Exiting with failure|Error is not recoverable/.test(l));
  return line ? line.replace(/^tar: /, '').replace(/\.$/, '') : null;
}

/**
 * tar here stopped on its own (its directory gone, the disk full), not killed, not out of time, and not for
 * what it was sent: an empty or cut stream is the sender's doing (ssh refused, the tool failed), and the
 * sender says why.
 */
function tarGaveUp(local: RunResult): boolean {
  const failed = (local.code !== 0 || local.spawnError !== undefined) && !local.aborted && !local.timedOut;
  return failed && !/does not look like a tar archive|Unexpected EOF/i.test(local.stderr);
}

/** Bytes of the regular files under `path` (links not followed); 0 for what cannot be read. */
export async function treeBytes(path: string): Promise<number> {
  const info = await lstat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.isFile() ? info.size : 0;
  const entries = await readdir(path).catch(() => [] as string[]);
  let total = 0;
  for (const entry of entries) total += await treeBytes(join(path, entry));
  return total;
}

/** fetchTar with the bytes passing through this process, counted as they go: for systems without /proc. */
export async function fetchTarThroughNode(where: Where, command: string, args: readonly string[], dest: string, options: FetchTarOptions = {}): Promise<FetchedTree> {
  const { onProgress, signal, timeoutMs = 6 * 3_600_000, untar: untarAs = plainUntar, ...tool } = options;
  const pipe = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  // Stops both ends: the caller's cancel, or one end giving up on the other.
  const stopBoth = new AbortController();
  const both = signal ? AbortSignal.any([signal, stopBoth.signal]) : stopBoth.signal;
  let bytes = 0;
  let lastReport = 0;
  const tar = untarAs('tar', untarArgs(dest));
  const untar = run(tar.command, tar.args, { stdinStream: pipe, signal: both, timeoutMs, ...(tar.env ? { env: tar.env } : {}), uid: tar.uid, gid: tar.gid }).then((result) => {
    // tar stopped early (disk full, bad archive): the sender must not write on into a closed pipe for hours.
    // When the sender's output had already ended, it is exiting on its own and its exit code says why
    // (a restic or borg that failed before sending a byte): stopping it now would hide that.
    if (result.code !== 0 && !pipe.writableEnded) stopBoth.abort();
    return result;
  });
  const send = runTool(where, command, args, {
    ...tool,
    signal: both,
    timeoutMs,
    maxOutputBytes: 1024 * 1024,
    stdoutTo: pipe,
    onStdoutBytes: (n) => {
      bytes += n;
      const now = performance.now();
      if (now - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = now;
        onProgress?.({ bytes });
      }
    },
  });
  // Both are awaited before returning or throwing: the caller may remove `dest` next.
  const [remote, local] = await Promise.allSettled([send.finally(() => pipe.writableEnded || pipe.destroyed || pipe.end()), untar]);
  if (remote.status === 'rejected') {
    stopBoth.abort();
    throw remote.reason;
  }
  onProgress?.({ bytes });
  return { remote: remote.value, local: (local as PromiseFulfilledResult<RunResult>).value };
}

/** Why a fetchTar did not bring the whole tree, or null when it did. `name` names the remote tool. */
export function describeFetchFailure(fetched: FetchedTree, name: string, host: string | undefined): string | null {
  const { remote, local } = fetched;
  const localFailed = local.code !== 0 || local.spawnError !== undefined;
  const tarFailure = () => `unpacking the ${host ? `copy from ${host}` : `output of ${name}`} here failed: ${tarComplaint(local.stderr) ?? describeFailure(local, 'tar')}`;
  // tar stopped on its own (disk full, not an archive) and the sender was stopped because of it: killed here,
  // or ssh exiting 255 on the closed pipe, or the remote tool dying of SIGPIPE (141) when ssh went.
  const senderStopped = remote.aborted || remote.outputError !== undefined || remote.code === 255 || remote.code === 141 || remote.signal === 'SIGPIPE';
  if (tarGaveUp(local) && senderStopped) return tarFailure();
  if (remote.code !== 0 || remote.timedOut || remote.aborted || remote.outputError) return `${describeFailure(remote, name)}${host ? ` (on ${host})` : ''}`;
  return localFailed ? tarFailure() : null;
}
