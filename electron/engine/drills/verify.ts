// Verifying a restored database: every table the dump holds exists, exact row counts, the size on disk, the
// user's SQL checks, and (optionally) a comparison with the live database's row estimates. The queries run
// here; the judgements (what counts as a failed check, a table short of rows) are pure functions below.
import type { Client } from 'pg';
import type { PostgresSourceConfig } from '../../../shared/config';
import type { DrillCheckResult, DrillProgress, ObservedBackup, RestoredTable } from '../../../shared/model';
import { withSourceConnection, type ConnectionContext } from '../postgres/connection';
import type { TableName } from '../pg-dump/script';
import { quoteIdent } from './scratch-client';

export interface DumpDrillCheck {
  name?: string;
  sql: string;
}

/** What every drill runner takes, whatever it restores (a dump, a pgBackRest backup). */
export interface DrillRunOptions {
  sourceId: string;
  backup: ObservedBackup;
  checks: DumpDrillCheck[];
  /** The configured binaries directory, preferred when it can restore the backup. */
  postgresBin?: string;
  /** Where scratch clusters go (default os.tmpdir()). */
  parentDir?: string;
  signal?: AbortSignal;
  /** The whole drill (default DEFAULT_DRILL_TIMEOUT_MS). */
  timeoutMs?: number;
  onProgress?: (p: DrillProgress) => void;
  now?: () => number;
}

export const DEFAULT_DRILL_TIMEOUT_MS = 2 * 60 * 60 * 1000;

const tableKey = (t: TableName) => `${t.schema}\u0000${t.name}`;

/** "public.orders", or "\"my schema\".\"odd table\"" when a name needs quoting to be read back. */
export function tableLabel(t: TableName): string {
  const part = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : quoteIdent(s));
  return `${part(t.schema)}.${part(t.name)}`;
}

/**
 * Exact count(*) of every expected table (rows null when it is missing). FROM ONLY: a partitioned or
 * inherited parent counts its own rows, so no row is counted twice in the total. Every name is qualified and
 * every operator spelled OPERATOR(pg_catalog.…): the restored database may define its own count() or = in a
 * schema its settings put first, and nothing it defined may run here (the connection is unprivileged too).
 */
export async function countTables(client: Client, expected: readonly TableName[], onTable?: (done: number) => void): Promise<RestoredTable[]> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])`,
  );
  const present = new Set(rows.map(tableKey));
  const counted: RestoredTable[] = [];
  for (const table of expected) {
    if (!present.has(tableKey(table))) {
      counted.push({ schema: table.schema, name: table.name, rows: null });
    } else {
      const result = await client.query<{ n: string }>(`SELECT pg_catalog.count(*) AS n FROM ONLY ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`);
      counted.push({ schema: table.schema, name: table.name, rows: Number(result.rows[0]?.n ?? 0) });
    }
    onTable?.(counted.length);
  }
  return counted;
}

export async function databaseSize(client: Client, database: string): Promise<number> {
  const { rows } = await client.query<{ size: string }>('SELECT pg_catalog.pg_database_size($1) AS size', [database]);
  return Number(rows[0]?.size ?? 0);
}

/** A check's name as shown: its own, or its SQL cut to one short line. */
export function checkName(check: DumpDrillCheck): string {
  if (check.name?.trim()) return check.name.trim();
  const sql = check.sql.replace(/\s+/g, ' ').trim();
  return sql.length > 60 ? `${sql.slice(0, 57)}...` : sql;
}

/**
 * A check passes when its query returns exactly one row of one column holding boolean true. Anything else
 * fails, saying what came back: "false", "null", "3 rows", "2 columns", "42 (not a boolean)".
 */
export function judgeCheck(check: DumpDrillCheck, result: { rows: unknown[][]; columns: number } | { statements: number }): DrillCheckResult {
  const base = { name: checkName(check), sql: check.sql };
  if ('statements' in result) return { ...base, passed: false, detail: `${result.statements} statements; a check must be one query` };
  if (result.rows.length !== 1) return { ...base, passed: false, detail: `${result.rows.length} rows; a check must return one row holding true` };
  if (result.columns !== 1) return { ...base, passed: false, detail: `${result.columns} columns; a check must return one column holding true` };
  const value = result.rows[0]![0];
  if (value === true) return { ...base, passed: true, detail: 'true' };
  if (value === false || value === null) return { ...base, passed: false, detail: String(value) };
  return { ...base, passed: false, detail: `${JSON.stringify(value)} (not a boolean)` };
}

/** PostgreSQL's error, as psql would show it: "ERROR: relation "x" does not exist". */
export function describeSqlError(err: unknown): string {
  const e = err as { message?: unknown; severity?: unknown; detail?: unknown; hint?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const severity = typeof e.severity === 'string' ? `${e.severity}: ` : '';
  const detail = typeof e.detail === 'string' ? ` (${e.detail})` : '';
  return `${severity}${message}${detail}`;
}

export interface CheckRun {
  result: DrillCheckResult;
  /** The SQL itself failed (rather than returning something other than true). */
  sqlError: boolean;
}

/** Runs each check in the restored database, each bounded by `timeoutMs`. */
export async function runChecks(client: Client, checks: readonly DumpDrillCheck[], timeoutMs: number): Promise<CheckRun[]> {
  const runs: CheckRun[] = [];
  for (const check of checks) {
    try {
      await client.query(`SET statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      const raw = (await client.query({ text: check.sql, rowMode: 'array' })) as unknown;
      if (Array.isArray(raw)) {
        runs.push({ result: judgeCheck(check, { statements: raw.length }), sqlError: false });
      } else {
        const r = raw as { rows: unknown[][]; fields: unknown[] };
        runs.push({ result: judgeCheck(check, { rows: r.rows, columns: r.fields.length }), sqlError: false });
      }
    } catch (err) {
      runs.push({ result: { name: checkName(check), sql: check.sql, passed: false, detail: describeSqlError(err) }, sqlError: true });
    }
  }
  await client.query('RESET statement_timeout').catch(() => {});
  return runs;
}

/** "check "enough customers" returned false: select ...", or "... failed with ERROR: ...; SQL: ...". */
export function describeFailedCheck({ result, sqlError }: CheckRun): string {
  const sql = result.sql.replace(/\s+/g, ' ').trim();
  return sqlError ? `check "${result.name}" failed with ${result.detail}; SQL: ${sql}` : `check "${result.name}" returned ${result.detail}: ${sql}`;
}

// ---------------------------------------------------------------------------------------------------------
// Comparing with the live database

export interface LiveTable {
  schema: string;
  name: string;
  /** n_live_tup: an estimate (exact after ANALYZE); 0 for a table never analyzed or a partitioned parent. */
  rows: number;
}

/**
 * Every table of the live database a pg_dump of it holds (ordinary and partitioned; not temporary, not an
 * extension's own), with n_live_tup from pg_stat_user_tables. Readable by a pg_monitor role without SELECT
 * on the tables. Keyed like the restored tables (schema and name).
 */
export async function liveRowEstimates(source: PostgresSourceConfig, database: string | undefined, ctx: ConnectionContext): Promise<Map<string, LiveTable>> {
  return withSourceConnection(
    source,
    ctx,
    async (client) => {
      const { rows } = await client.query<{ schema: string; name: string; n: string }>(
        `SELECT n.nspname AS schema, c.relname AS name, COALESCE(s.n_live_tup, 0) AS n
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
          WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')`,
      );
      return new Map(rows.map((r) => [tableKey(r), { schema: r.schema, name: r.name, rows: Number(r.n) }]));
    },
    database ? { database } : {},
  );
}

export interface ShortTable {
  table: RestoredTable;
  restored: number;
  live: number;
}

/**
 * Adds liveRows to each restored table, and returns those whose exact restored count is below the live
 * estimate by more than `tolerance` (0.05 = 5%). Tables the live database no longer has are not judged.
 */
export function compareWithLive(tables: RestoredTable[], live: ReadonlyMap<string, number | LiveTable>, tolerance: number): { tables: RestoredTable[]; short: ShortTable[] } {
  const short: ShortTable[] = [];
  const compared = tables.map((table) => {
    const found = live.get(tableKey(table));
    const liveRows = typeof found === 'object' ? found.rows : found;
    if (liveRows === undefined) return { ...table, liveRows: null };
    const withLive = { ...table, liveRows };
    if (table.rows !== null && table.rows < liveRows * (1 - tolerance)) short.push({ table: withLive, restored: table.rows, live: liveRows });
    return withLive;
  });
  return { tables: compared, short };
}
