// Observes one PostgreSQL server over a single connection: version, recovery state, databases and their
// sizes, WAL archiving (pg_stat_archiver), streaming standbys (pg_stat_replication) and, on a standby, how far
// replay is behind. Connecting, the password and what a failure means are postgres/connection.ts's.
import type { Client } from 'pg';
import type { PostgresSourceConfig } from '../../../../shared/config';
import type { ArchiverState, DatabaseSize, PostgresMetrics, StandbyState } from '../../../../shared/model';
import { withSourceConnection } from '../../postgres/connection';
import { majorOfVersionNum } from '../../postgres/version';
import type { Probe } from '../probe';

/** Observing a PostgreSQL server; index.ts makes it a kind. */
export const postgresObserver: Pick<Probe<PostgresSourceConfig>, 'kind' | 'observe'> = {
  kind: 'postgres',
  async observe(source, ctx) {
    const metrics = await withSourceConnection(source, ctx, collectMetrics);
    return { backups: [], metrics };
  },
};

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
