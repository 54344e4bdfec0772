// The barman tool as every part of the kind calls it (observe, drill): `barman [-c configPath] -f json <command>
// <server> …` here or on `host` over ssh, its JSON read, and its failures as probe errors a sysadmin can act on.
// Barman's JSON writer (barman/output.py, JsonOutputWriter) prints one object: the command's result under the
// server's name, and its own messages under `_ERROR`, `_WARNING` and `_INFO`. Field names of the results differ
// between releases; observe-fields.ts reads them, this file only carries them.
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { RunResult } from '../../exec';
import { runTool } from '../../remote';
import { ProbeError } from '../../errors';

export const BARMAN = 'barman';

/** What every barman call of a source needs: the server, its config file and where barman runs. */
export type BarmanLocation = Pick<BarmanSourceConfig, 'server' | 'configPath' | 'host' | 'sshOptions'>;

/** Barman's commands this app runs; all read-only. */
export type BarmanReadCommand = 'list-backups' | 'show-backup' | 'show-server' | 'check' | 'status';

/** The command line after `barman`: the general options, then the command, the server and its arguments. */
export function barmanArgs(source: Pick<BarmanLocation, 'server' | 'configPath'>, command: BarmanReadCommand, args: readonly string[] = []): string[] {
  return [...(source.configPath ? ['-c', source.configPath] : []), '-f', 'json', command, source.server, ...args];
}

export interface BarmanCallOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * `barman -f json <command> <server> …`, here or on the source's host: the value Barman printed under the
 * server's name. `barman check` exits 1 when a check fails and still prints every check: that is a result,
 * not an error. A ProbeError naming the server, the host, the command and Barman's own message otherwise.
 */
export async function runBarman(source: BarmanLocation, command: BarmanReadCommand, args: readonly string[], options: BarmanCallOptions): Promise<unknown> {
  const result = await runTool(source, BARMAN, barmanArgs(source, command, args), { timeoutMs: options.timeoutMs, signal: options.signal });
  if (result.spawnError || result.timedOut || result.aborted) throw barmanError(result, source, command);
  return parseBarmanJson(result, source, command);
}

/** The server's value in barman's JSON output; a probe error with Barman's `_ERROR` messages or stderr when there is none. */
export function parseBarmanJson(result: Pick<RunResult, 'code' | 'stdout' | 'stderr'> & Partial<RunResult>, source: BarmanLocation, command: BarmanReadCommand): unknown {
  let parsed: unknown;
  try {
    parsed = result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
  } catch {
    parsed = undefined;
  }
  const object = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const errors = object && Array.isArray(object._ERROR) ? object._ERROR.map(String) : [];
  if (object && errors.length === 0 && source.server in object && (result.code === 0 || command === 'check')) return object[source.server];
  if (parsed === undefined && result.code === 0) {
    throw new ProbeError('failed', `barman ${command} ${source.server}${onHost(source.host)} did not print JSON (got ${JSON.stringify(result.stdout.slice(0, 80))}); is this Barman 3.x?`, source.host);
  }
  throw barmanError({ ...result, stderr: [...errors, result.stderr].filter(Boolean).join('\n') } as RunResult, source, command);
}

/** " on root@backup1", or nothing for a local source: where a message's barman ran. */
export function onHost(host: string | undefined): string {
  return host ? ` on ${host}` : '';
}

/**
 * Barman's "Unknown server 'x'", "please run barman as 'barman' user", a missing config file, … as a probe error
 * a sysadmin can act on, naming the server, the host and the command.
 */
export function barmanError(result: RunResult, source: BarmanLocation, command: string): ProbeError {
  const { host, server } = source;
  const where = onHost(host);
  const what = `barman ${command} ${server}${where}`;
  if (result.spawnError) {
    return result.spawnError.code === 'ENOENT'
      ? new ProbeError('not-found', 'barman is not installed or not on PATH (apt-get install barman)')
      : new ProbeError('failed', `barman could not start: ${result.spawnError.message}`);
  }
  if (result.timedOut) return new ProbeError('timeout', `${what} did not answer within ${Math.round(result.durationMs / 1000)}s`, host);
  if (result.aborted) return new ProbeError('timeout', `${what} was cancelled`, host);
  // The remote shell's "command not found".
  if (host && result.code === 127) return new ProbeError('not-found', `barman is not installed on ${host}, or not on the PATH of its ssh logins (apt-get install barman there)`, host);
  const lines = result.stderr.split('\n').map((line) => line.replace(/^(?:ERROR|WARNING):\s*/, '').trim()).filter(Boolean);
  const text = lines.find((line) => /unknown server|does not exist|please run barman as|permission denied|unknown backup/i.test(line)) ?? lines.at(-1) ?? `exited with code ${result.code}`;
  if (/^Unknown server/i.test(text)) return new ProbeError('config', `${what}: Barman knows no server "${server}" (${text}); check server, and configPath if its configuration is not /etc/barman.conf`, host);
  if (/Configuration file .* does not exist/i.test(text)) return new ProbeError('config', `${what}: ${text}; check configPath`, host);
  if (/please run barman as/i.test(text) || /permission denied/i.test(text)) {
    const who = host ? `the ssh login ${host}` : 'the user running Backup Health';
    return new ProbeError('permission-denied', `${what}: ${text}; ${who} must be Barman's barman_user (or root, which Barman leaves for it), e.g. host barman@backup1`, host);
  }
  return new ProbeError('failed', `${what} failed: ${text}`, host);
}
