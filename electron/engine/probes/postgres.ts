// Observes one PostgreSQL server over a single connection: version, recovery state, databases and their
// sizes, WAL archiving (pg_stat_archiver), streaming standbys (pg_stat_replication) and, on a standby, how far
// replay is behind. The password is looked up only when the server asks for one and never leaves this file.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'pg';
import pgpass from 'pgpass';
import type { PostgresSourceConfig } from '../../../shared/config';
import type { ArchiverState, DatabaseSize, PostgresMetrics, StandbyState } from '../../../shared/model';
import { readPasswordFile } from './password-file';
import { majorOfVersionNum } from '../postgres-version';
import { readPostgresUrl } from '../postgres-url';
import { MAX_TIMER_DELAY_MS, timeoutSignal } from '../long-timeout';
import type { Probe, ProbeContext, ProbeSecrets } from './probe';
import { ProbeError } from '../errors';

export const postgresProbe: Probe<PostgresSourceConfig> = {
  kind: 'postgres',
  async observe(source, ctx) {
    const metrics = await withSourceConnection(source, ctx, collectMetrics);
    return { backups: [], metrics };
  },
};

/** What a connection needs from its caller: a signal to give up on, a time budget, and the app's secrets if any. */
export type ConnectionContext = Pick<ProbeContext, 'signal' | 'timeoutMs' | 'secrets'>;

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

// ---------------------------------------------------------------------------------------------------------
// Where to connect

export interface PostgresTarget {
  /** Host name, IP address, or a unix socket directory (starts with "/"). */
  host: string;
  port: number;
  user: string;
  database: string;
  ssl: ConnectionOptions | false;
  /** "db1.example:5432", for messages and ProbeError.host. */
  hostPort: string;
}

/**
 * postgres://user@host:port/dbname?sslmode=...&host=/socket/dir. Parsed here rather than handed to pg as a
 * connectionString, because pg lets the (empty) URL password override a password function.
 */
export async function parsePostgresUrl(text: string): Promise<PostgresTarget> {
  const parts = readPostgresUrl(text);
  if (!parts) throw new ProbeError('config', 'the url is not a URL (use postgres://user@host:5432/dbname)');
  const { host, url } = parts;
  const port = Number(parts.port || 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ProbeError('config', `the url's port ${JSON.stringify(parts.port)} is not a TCP port`);
  const user = parts.user || userInfo().username;
  const database = parts.database || user;
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { host, port, user, database, ssl: await tlsOptions(url.searchParams, hostPort), hostPort };
}

/** libpq's sslmode and certificate parameters, as node:tls options. Without sslmode: no TLS (pg's default). */
async function tlsOptions(params: URLSearchParams, hostPort: string): Promise<ConnectionOptions | false> {
  const mode = params.get('sslmode') ?? 'disable';
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  if (mode !== 'require' && mode !== 'verify-ca' && mode !== 'verify-full') {
    throw new ProbeError('config', `sslmode=${mode} is not one of disable, prefer, require, verify-ca, verify-full`, hostPort);
  }
  const file = async (param: string) => {
    const path = params.get(param);
    if (!path) return undefined;
    try {
      return await readFile(path);
    } catch (err) {
      throw new ProbeError('config', `cannot read ${param} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, hostPort);
    }
  };
  const [ca, cert, key] = await Promise.all([file('sslrootcert'), file('sslcert'), file('sslkey')]);
  const options: ConnectionOptions = { ca, cert, key };
  // As in libpq: require only encrypts (unless a root certificate is given); verify-ca skips the host name check.
  if (mode === 'require' && !ca) options.rejectUnauthorized = false;
  if (mode !== 'verify-full') options.checkServerIdentity = () => undefined;
  return options;
}

// ---------------------------------------------------------------------------------------------------------
// The password: passwordEnv, passwordFile, the desktop app's keychain, or PGPASSWORD / ~/.pgpass as libpq would

interface PasswordLookup {
  /** Where the password comes from, in words, for "check the password in ..." */
  where: string;
  get(): Promise<string | undefined>;
}

async function passwordLookup(source: PostgresSourceConfig, target: PostgresTarget, secrets: ProbeSecrets | undefined): Promise<PasswordLookup> {
  if (source.passwordStored) {
    if (!secrets) {
      throw new ProbeError('config', `the password of ${source.id} is kept by the desktop app; the CLI cannot read it: use passwordEnv or passwordFile`, target.hostPort);
    }
    return { where: `the desktop app's settings of ${source.id}`, get: () => storedPassword(source.id, secrets, target.hostPort) };
  }
  if (source.passwordEnv) {
    const name = source.passwordEnv;
    const value = process.env[name];
    if (value === undefined || value === '') {
      throw new ProbeError('config', `passwordEnv names the environment variable ${name}, but it is ${value === undefined ? 'not set' : 'empty'} where Backup Health runs`, target.hostPort);
    }
    return { where: `the environment variable ${name}`, get: async () => value };
  }
  if (source.passwordFile) {
    const value = await readPasswordFile(source.passwordFile, target.hostPort);
    return { where: `the file ${source.passwordFile}`, get: async () => value };
  }
  return {
    where: process.env.PGPASSWORD ? 'the environment variable PGPASSWORD' : (process.env.PGPASSFILE ?? '~/.pgpass'),
    get: async () => process.env.PGPASSWORD || (await fromPgpass(target)),
  };
}

/** The password the desktop app keeps; asked for only when the server wants one, like the others. */
async function storedPassword(id: string, secrets: ProbeSecrets, hostPort: string): Promise<string> {
  let value: string | undefined;
  try {
    value = await secrets.password(id);
  } catch (err) {
    throw new ProbeError('config', `the password the desktop app keeps for ${id} cannot be read (${(err as Error).message}); enter it again in the source's settings`, hostPort);
  }
  if (value === undefined || value === '') throw new ProbeError('config', `no password is kept for ${id}: enter it in the source's settings`, hostPort);
  return value;
}

/** ~/.pgpass (or PGPASSFILE) through the pgpass package, which pg itself uses but deprecates using implicitly. */
function fromPgpass(target: PostgresTarget): Promise<string | undefined> {
  // libpq matches "localhost" in .pgpass for unix-socket connections.
  const host = target.host.startsWith('/') ? 'localhost' : target.host;
  return new Promise((resolve) => pgpass({ host, port: target.port, database: target.database, user: target.user }, resolve));
}

// ---------------------------------------------------------------------------------------------------------
// One connection, bounded in time, always closed

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

class ProbeTimeout extends Error {}

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

// ---------------------------------------------------------------------------------------------------------
// What went wrong, in a sysadmin's words

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

// ---------------------------------------------------------------------------------------------------------
// The queries: one round trip normally; piece by piece if a part is not readable by the monitoring role

const CORE_SQL = `json_build_object(
  'serverVersion', current_setting('server_version'),
  'serverVersionNum', current_setting('server_version_num')::int,
  'inRecovery', pg_is_in_recovery(),
  -- caught up (received = replayed) counts as no delay, as postgres_exporter does; else time since the last replayed commit
  'replayDelayMs', CASE WHEN pg_is_in_recovery() THEN
    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000) END
  END)`;

// pg_database_size needs CONNECT on the database or pg_read_all_stats; without either the size is null
// (the database is still listed, so coverage asks a backup of it) rather than failing the whole poll. datconnlimit = -2 marks a database left invalid by an interrupted DROP.
const DATABASES_SQL = `(SELECT coalesce(json_agg(json_build_object('name', datname, 'sizeBytes', size) ORDER BY datname), '[]'::json)
  FROM (SELECT datname,
               CASE WHEN has_database_privilege(oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'USAGE')
                    THEN pg_database_size(oid) END AS size
          FROM pg_database WHERE NOT datistemplate AND datconnlimit <> -2) d)`;

const ARCHIVER_SQL = `(SELECT json_build_object(
    'archiveMode', current_setting('archive_mode'),
    'archivedCount', archived_count,
    'lastArchivedWal', last_archived_wal,
    'lastArchivedAt', round(extract(epoch FROM last_archived_time) * 1000),
    'failedCount', failed_count,
    'lastFailedWal', last_failed_wal,
    'lastFailedAt', round(extract(epoch FROM last_failed_time) * 1000))
  FROM pg_stat_archiver)`;

const REPLICATION_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'applicationName', application_name,
    'clientAddr', host(client_addr),
    'state', state,
    'syncState', sync_state,
    'writeLagMs', round(extract(epoch FROM write_lag) * 1000),
    'flushLagMs', round(extract(epoch FROM flush_lag) * 1000),
    'replayLagMs', round(extract(epoch FROM replay_lag) * 1000)) ORDER BY application_name), '[]'::json)
  FROM pg_stat_replication)`;

const ALL_AT_ONCE = `SELECT ${CORE_SQL} AS core, ${DATABASES_SQL} AS databases, ${ARCHIVER_SQL} AS archiver, ${REPLICATION_SQL} AS standbys`;

/** SQL errors after which the parts are asked for one by one: a revoked view, a database dropped mid-query. */
const PIECEWISE_AFTER = new Set(['42501', '3D000']);

interface Core {
  serverVersion: string;
  serverVersionNum: number;
  inRecovery: boolean;
  replayDelayMs: number | null;
}

async function collectMetrics(client: Client): Promise<PostgresMetrics> {
  let core: Core, databases: unknown[], archiver: Record<string, unknown> | null, standbys: unknown[];
  try {
    const row = (await client.query(ALL_AT_ONCE)).rows[0];
    ({ core, databases, archiver, standbys } = row);
  } catch (err) {
    if (!PIECEWISE_AFTER.has(sqlState(err) ?? '')) throw err;
    core = await one(client, CORE_SQL);
    databases = await sizesOneByOne(client);
    archiver = await one<Record<string, unknown> | null>(client, ARCHIVER_SQL).catch(nullOnSqlError);
    standbys = (await one<unknown[]>(client, REPLICATION_SQL).catch(nullOnSqlError)) ?? [];
  }
  return {
    kind: 'postgres',
    serverVersion: core.serverVersion,
    serverVersionNum: core.serverVersionNum,
    serverMajor: majorOfVersionNum(core.serverVersionNum),
    inRecovery: core.inRecovery,
    databases: databases.map(toDatabaseSize).filter((d): d is DatabaseSize => d !== null),
    archiver: archiver ? toArchiver(archiver) : null,
    standbys: standbys.map((s) => toStandby(s as Record<string, unknown>)),
    // Clamped: the primary's commit clock may run a little ahead of this server's.
    replayDelayMs: nonNegative(numberOrNull(core.replayDelayMs)),
  };
}

async function one<T>(client: Client, expression: string): Promise<T> {
  return (await client.query(`SELECT ${expression} AS value`)).rows[0].value as T;
}

async function sizesOneByOne(client: Client): Promise<unknown[]> {
  const { rows } = await client.query<{ name: string; oid: number }>(`SELECT datname AS name, oid FROM pg_database WHERE NOT datistemplate AND datconnlimit <> -2 ORDER BY datname`);
  const sizes: unknown[] = [];
  for (const { name, oid } of rows) {
    const size = await one<string>(client, `pg_database_size(${Number(oid)}::oid)`).catch(nullOnSqlError);
    sizes.push({ name, sizeBytes: size === null ? null : Number(size) });
  }
  return sizes;
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A query the server refused (permission, missing object) yields null; a lost connection still fails. */
function nullOnSqlError(err: unknown): null {
  const state = sqlState(err);
  if (!state || state === '57014' || state.startsWith('08') || state.startsWith('57P')) throw err;
  return null;
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function nonNegative(value: number | null): number | null {
  return value === null ? null : Math.max(0, value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toDatabaseSize(raw: unknown): DatabaseSize | null {
  const { name, sizeBytes } = raw as { name: unknown; sizeBytes: unknown };
  return typeof name === 'string' ? { name, sizeBytes: numberOrNull(sizeBytes) } : null;
}

function toArchiver(raw: Record<string, unknown>): ArchiverState {
  return {
    archiveMode: String(raw.archiveMode),
    archivedCount: numberOrNull(raw.archivedCount) ?? 0,
    lastArchivedWal: stringOrNull(raw.lastArchivedWal),
    lastArchivedAt: numberOrNull(raw.lastArchivedAt),
    failedCount: numberOrNull(raw.failedCount) ?? 0,
    lastFailedWal: stringOrNull(raw.lastFailedWal),
    lastFailedAt: numberOrNull(raw.lastFailedAt),
  };
}

function toStandby(raw: Record<string, unknown>): StandbyState {
  return {
    applicationName: String(raw.applicationName ?? ''),
    clientAddr: stringOrNull(raw.clientAddr),
    state: stringOrNull(raw.state),
    syncState: stringOrNull(raw.syncState),
    writeLagMs: numberOrNull(raw.writeLagMs),
    flushLagMs: numberOrNull(raw.flushLagMs),
    replayLagMs: numberOrNull(raw.replayLagMs),
  };
}
