// What went wrong with a PostgreSQL connection or query, in a sysadmin's words: every failure of connecting
// or querying becomes a ProbeError naming host:port and what to do, never holding a password.
import { ProbeError } from '../errors';
import type { PostgresTarget } from './target';

/** Thrown by connection.ts when its time runs out or its caller gives up; probeErrorFor says which. */
export class ProbeTimeout extends Error {}

export interface FailureContext {
  target: PostgresTarget;
  timeoutMs: number;
  /** Where the password came from ("the environment variable PGMON"). */
  where: string;
  connected: boolean;
  passwordAsked: boolean;
  passwordGiven: boolean;
  /** The engine cancelled the probe (rather than its time running out). */
  cancelled: boolean;
}

/** Any failure of connecting or querying -> a ProbeError naming host:port and what to do. Never includes a password. */
export function probeErrorFor(err: unknown, context: FailureContext): ProbeError {
  if (err instanceof ProbeError) return err;
  const { target, timeoutMs } = context;
  const at = target.hostPort;
  const user = target.user;
  const fail = (code: ProbeError['code'], message: string) => new ProbeError(code, message, at);
  const e = (err ?? {}) as { code?: unknown; message?: unknown; detail?: unknown; errors?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : firstNestedCode(e.errors);
  const seconds = `${Math.round(timeoutMs / 100) / 10}s`;

  if (err instanceof ProbeTimeout || message === 'timeout expired' || message === 'Query read timeout' || code === '57014' || code === 'ETIMEDOUT') {
    if (context.cancelled) return fail('timeout', `stopped waiting for ${at}: the check was cancelled`);
    return context.connected
      ? fail('timeout', `${at} accepted the connection but did not answer the monitoring queries within ${seconds}; is the server overloaded?`)
      : fail('timeout', `no answer from ${at} within ${seconds}: is the host reachable, and is it PostgreSQL listening on that port?`);
  }
  if (context.passwordAsked && !context.passwordGiven) {
    return fail('auth-failed', `${at} asks user ${user} for a password, but none is configured: set passwordEnv or passwordFile, or add a line for it to ~/.pgpass`);
  }
  switch (code) {
    case 'ECONNREFUSED':
      return fail('refused', `connection refused by ${at}: is PostgreSQL running and listening there?`);
    case 'ENOENT':
      return fail('refused', `no PostgreSQL socket in ${target.host} for port ${target.port}: is PostgreSQL running, with that socket directory?`);
    case 'EACCES':
      return fail('permission-denied', `may not open the PostgreSQL socket in ${target.host}: is the user Backup Health runs as allowed into that directory?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return fail('dns', `cannot resolve the host name ${target.host}: check the host in the url, or the DNS of this machine`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail('failed', `${at} is unreachable from this machine (no route to host)`);
    case 'ECONNRESET':
      return fail('failed', `${at} reset the connection: is it PostgreSQL on that port, and does it accept this client (TLS, firewall)?`);
    case '28P01':
      return fail('auth-failed', `password authentication failed for user ${user} at ${at}: check the password in ${context.where}`);
    case '28000':
      return fail('auth-failed', `${at} rejected user ${user}: ${message}`);
    case '3D000':
      return fail('not-found', `database "${target.database}" does not exist on ${at}: check the database name in the url`);
    case '42501':
      return fail('permission-denied', `user ${user} is not allowed to do this on ${at}: ${message}${typeof e.detail === 'string' ? ` (${e.detail})` : ''}; grant it CONNECT on the database and the pg_monitor role`);
  }
  if (message === 'Connection terminated unexpectedly') return fail('failed', `${at} closed the connection unexpectedly: is it PostgreSQL on that port, and is it running?`);
  return fail('failed', `${at}: ${message}`);
}

function firstNestedCode(errors: unknown): string | undefined {
  if (!Array.isArray(errors)) return undefined;
  const withCode = errors.find((e) => typeof (e as { code?: unknown })?.code === 'string') as { code: string } | undefined;
  return withCode?.code;
}
