// Running a tool on another machine over ssh, with the user's own ssh config, keys and agent. The remote
// side always parses a command string with the login user's shell, so the argument array is quoted for a
// POSIX shell here, once, and nowhere else. BatchMode: a background app can never answer a prompt.
import type { RunResult } from './exec';
import { ProbeError } from './probes/probe';

/** Seconds ssh waits for the TCP connection; a user's `ConnectTimeout=…` in sshOptions wins over it. */
export const SSH_CONNECT_TIMEOUT_S = 10;

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
