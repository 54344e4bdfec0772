// Running a tool on another machine over ssh, with the user's own ssh config, keys and agent. The remote
// side always parses a command string with the login user's shell, so the argument array is quoted for a
// POSIX shell here, once, and nowhere else. BatchMode: a background app can never answer a prompt. Copying a
// tree back as a tar stream is remote-fetch.ts's.
import { run, type RunOptions, type RunResult } from './exec';
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
