// The roles and database a dump is restored into, made by the scratch cluster's superuser before any SQL of
// the backup runs, and the only thing that superuser ever does: after this, everything from the backup runs
// as the unprivileged restore role, and verification connects as that role too.
//
//   restore role  LOGIN, not superuser, no CREATEDB/CREATEROLE, BYPASSRLS (row counts must see every row),
//                 pg_read_all_data where it exists; it owns the database and is a member of every role the
//                 dump names, so `ALTER ... OWNER TO app` in a plain dump still works
//   dump's roles  NOLOGIN, never superuser: `postgres` too, since the cluster's real superuser has a random name
//   extensions    trusted ones (pg_trgm, hstore, citext, ...) are left to the restore role, which then owns
//                 them (so COMMENT ON EXTENSION works); untrusted ones only from the allowlist, created here
//                 from this machine's installation before the backup's SQL runs, then handed to the restore
//                 role; any other untrusted extension is refused by PostgreSQL itself and names itself
import type { Client } from 'pg';
import { quoteIdent, quoteLiteral } from './scratch-client';

export const RESTORE_ROLE = 'backup_health_restore';

/**
 * Untrusted contrib extensions a drill creates when a dump asks for them: they read statistics or check
 * structures, and none of them reaches outside the database (no dblink, postgres_fdw, file_fdw, adminpack,
 * untrusted languages).
 */
export const DEFAULT_EXTENSION_ALLOWLIST = ['pg_stat_statements', 'amcheck', 'pg_buffercache', 'pg_freespacemap', 'pg_visibility', 'pgstattuple', 'pgrowlocks', 'pg_prewarm', 'postgis', 'postgis_raster', 'postgis_topology', 'postgis_tiger_geocoder'];

export interface WantedExtension {
  name: string;
  /** The schema the dump creates it in (WITH SCHEMA), when said. */
  schema?: string;
}

/** The restore role, as the cluster's superuser: once per cluster. */
export async function createRestoreRole(superuser: Client): Promise<void> {
  await superuser.query(`CREATE ROLE ${quoteIdent(RESTORE_ROLE)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS`);
  const { rowCount } = await superuser.query(`SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_read_all_data'`);
  if (rowCount) await superuser.query(`GRANT pg_read_all_data TO ${quoteIdent(RESTORE_ROLE)}`);
}

/**
 * The roles a dump names, as NOLOGIN roles the restore role is a member of. Names PostgreSQL reserves (pg_*),
 * the restore role and the superuser are left alone: a dump naming them gets nothing from it.
 */
export async function createDumpRoles(superuser: Client, names: readonly string[], superuserName: string): Promise<void> {
  for (const name of names) {
    if (name.startsWith('pg_') || name === RESTORE_ROLE || name === superuserName) continue;
    const { rowCount } = await superuser.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [name]);
    if (!rowCount) await superuser.query(`CREATE ROLE ${quoteIdent(name)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    const member = await superuser.query('SELECT 1 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid JOIN pg_catalog.pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2', [name, RESTORE_ROLE]);
    if (!member.rowCount) await superuser.query(`GRANT ${quoteIdent(name)} TO ${quoteIdent(RESTORE_ROLE)}`);
  }
}

/**
 * The database the dump goes into, owned by the restore role. From PostgreSQL 15 by copying template0's files
 * (STRATEGY FILE_COPY): on a fresh scratch cluster that takes ~100 ms where WAL-logging every block takes ~150.
 */
export async function createRestoreDatabase(superuser: Client, database: string, encoding: string | null, serverMajor: number): Promise<void> {
  const withEncoding = encoding ? ` ENCODING ${quoteLiteral(encoding)}` : '';
  const strategy = serverMajor >= 15 ? ' STRATEGY FILE_COPY' : '';
  await superuser.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(RESTORE_ROLE)} TEMPLATE template0${withEncoding}${strategy}`);
}

/**
 * Creates, in the still-empty restore database (`inDatabase`, a superuser connection to it), the untrusted
 * extensions the dump wants that the allowlist admits and this installation has, and makes the restore role
 * their owner. Returns the wanted extensions that are untrusted and not allowed: the drill refuses those.
 */
export async function createAllowedExtensions(inDatabase: Client, wanted: readonly WantedExtension[], allowlist: readonly string[]): Promise<string[]> {
  if (wanted.length === 0) return [];
  const { rows } = await inDatabase.query<{ name: string; trusted: boolean; superuser: boolean }>(
    'SELECT name, pg_catalog.bool_or(trusted) AS trusted, pg_catalog.bool_and(superuser) AS superuser FROM pg_catalog.pg_available_extension_versions WHERE name = ANY($1) GROUP BY name',
    [wanted.map((w) => w.name)],
  );
  const available = new Map(rows.map((r) => [r.name, r]));
  const refused: string[] = [];
  for (const { name, schema } of wanted) {
    const info = available.get(name);
    // Not installed here: the restore says so ("extension … is not available"), as an environment problem.
    if (!info || info.trusted || !info.superuser) continue;
    if (!allowlist.includes(name)) {
      refused.push(name);
      continue;
    }
    // Only into a schema that exists before the restore; elsewhere the restore role's attempt is refused.
    const target = schema ?? 'public';
    const { rowCount } = await inDatabase.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [target]);
    if (!rowCount) continue;
    await inDatabase.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)} WITH SCHEMA ${quoteIdent(target)}`);
    await inDatabase.query(`UPDATE pg_catalog.pg_extension SET extowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) WHERE extname = $2`, [RESTORE_ROLE, name]);
  }
  return refused;
}

/** `CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s]` lines of a dump script (pg_dump writes one per line). */
export function extensionOf(line: string): WantedExtension | null {
  const m = /^CREATE EXTENSION (?:IF NOT EXISTS )?("(?:[^"]|"")+"|[\w$]+)(?: WITH)?(?: SCHEMA ("(?:[^"]|"")+"|[\w$]+))?/i.exec(line);
  if (!m) return null;
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
  return { name: unquote(m[1]!), ...(m[2] ? { schema: unquote(m[2]) } : {}) };
}
