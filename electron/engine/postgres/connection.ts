// One connection to a postgres source, bounded in time and always closed: the url, TLS, the password lookup,
// and ProbeError messages that never hold the password. The postgres probe observes through it; restore
// drills use it to compare a backup with the live database.
import { Client } from 'pg';
import type { PostgresSourceConfig } from '../../../shared/config';
import { ProbeError } from '../errors';
import { MAX_TIMER_DELAY_MS, timeoutSignal } from '../long-timeout';
import type { ProbeSecrets } from '../secrets';
import { probeErrorFor, ProbeTimeout, type FailureContext } from './errors';
import { passwordLookup, type PasswordLookup } from './password';
import { parsePostgresUrl, type PostgresTarget } from './target';

/** What a connection needs from its caller: a signal to give up on, a time budget, and the app's secrets if any. */
export interface ConnectionContext {
  signal: AbortSignal;
  timeoutMs: number;
  secrets?: ProbeSecrets;
}

/**
 * One connection to a postgres source, made exactly as the probe makes it (url, TLS, password lookup, time
 * limits, ProbeError messages that never hold the password), always closed. Restore drills use it to compare
 * a backup with the live database; `database` then replaces the url's (the dumped database, not the one the
 * probe monitors through).
 */
export async function withSourceConnection<T>(
  source: PostgresSourceConfig,
  ctx: ConnectionContext,
  work: (client: Client) => Promise<T>,
  options: { database?: string } = {},
): Promise<T> {
  const parsed = await parsePostgresUrl(source.url);
  const target = options.database ? { ...parsed, database: options.database } : parsed;
  const password = await passwordLookup(source, target, ctx.secrets);
  return withConnection(target, password, ctx, work);
}

const CLOSE_GRACE_MS = 1000;

async function withConnection<T>(target: PostgresTarget, password: PasswordLookup, ctx: ConnectionContext, work: (client: Client) => Promise<T>): Promise<T> {
  const timeoutMs = Math.max(1, Math.round(ctx.timeoutMs));
  const giveUp = AbortSignal.any([ctx.signal, timeoutSignal(timeoutMs)]);
  // pg's own timers and the server's statement_timeout hold at most 2^31-1 ms; a longer timeout is giveUp's alone (0: none).
  const pgTimeoutMs = timeoutMs > MAX_TIMER_DELAY_MS ? 0 : timeoutMs;
  const state: FailureContext = { target, timeoutMs, where: password.where, connected: false, passwordAsked: false, passwordGiven: false, cancelled: false };
  let secret: string | undefined;
  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    ssl: target.ssl,
    password: (async () => {
      state.passwordAsked = true;
      secret = await password.get();
      state.passwordGiven = secret !== undefined;
      return secret;
    }) as () => Promise<string>,
    application_name: 'backup-health',
    connectionTimeoutMillis: pgTimeoutMs,
    statement_timeout: pgTimeoutMs,
    query_timeout: pgTimeoutMs,
  });
  // A connection lost after connect also fails the pending query, which is what we report.
  client.on('error', () => {});
  let onGiveUp = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onGiveUp = () => {
      state.cancelled = !isTimeout(ctx.signal.reason) && ctx.signal.aborted;
      reject(new ProbeTimeout());
    };
    if (giveUp.aborted) onGiveUp();
    else giveUp.addEventListener('abort', onGiveUp, { once: true });
  });
  try {
    await Promise.race([client.connect(), stopped]);
    state.connected = true;
    return await Promise.race([work(client), stopped]);
  } catch (err) {
    const failure = probeErrorFor(err, state);
    throw secret ? new ProbeError(failure.code, failure.message.split(secret).join('***'), failure.host) : failure;
  } finally {
    giveUp.removeEventListener('abort', onGiveUp);
    await close(client);
  }
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/** end() waits for the server's goodbye; a server that never answers must not hold the probe. */
async function close(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().then(() => true, () => true);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)));
  const clean = await Promise.race([ended, late]);
  clearTimeout(timer);
  if (!clean) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
