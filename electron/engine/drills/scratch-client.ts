// Talking to a drill's scratch cluster: SQL over its unix socket (trust), as its superuser only for what
// needs one before any backup SQL runs, else as the unprivileged restore role; and the client environment.
import { Client } from 'pg';
import type { ScratchCluster } from './scratch-cluster';

/** "my table" -> "\"my table\"": always quoted, so any name a dump holds is taken literally. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The environment for pg_restore and psql against the scratch cluster: the caller's, without the PG*
 * variables that would point them elsewhere or change how they behave (PGSERVICE, PGOPTIONS, PGSSLMODE...),
 * and in the C locale so their messages are the English ones restore-errors.ts reads.
 */
export function clientEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && key !== 'LANGUAGE' && !key.startsWith('LC_')) env[key] = value;
  }
  return { ...env, LC_ALL: 'C', PGAPPNAME: 'backup-health-drill' };
}

/**
 * Settings every drill connection pins in its startup packet, where nothing in the restored database (ALTER
 * DATABASE / ROLE ... SET) can override them: a search_path that finds nothing the backup defined before
 * pg_catalog. (Libraries loaded on connect can only be set by a superuser, which no backup SQL runs as.)
 */
export const PINNED_SEARCH_PATH = 'pg_catalog,pg_temp';
const pinned = (searchPath: string) => `-c search_path=${searchPath}`;

/** A connection to one database of the scratch cluster, as its superuser; the caller ends it. */
export async function connectScratch(cluster: ScratchCluster, database: string): Promise<Client> {
  return connectAs(cluster, database, cluster.superuser, PINNED_SEARCH_PATH);
}

/**
 * A connection as `role` (the drill's unprivileged restore role, for anything that touches restored objects)
 * with the settings above pinned; `searchPath` lets the user's checks name their own tables unqualified.
 */
export async function connectAs(cluster: ScratchCluster, database: string, role: string, searchPath = PINNED_SEARCH_PATH): Promise<Client> {
  const client = new Client({ host: cluster.socketDir, port: cluster.port, user: role, database, application_name: 'backup-health-drill', options: pinned(searchPath) });
  client.on('error', () => {}); // a server stopped under us fails the pending query, which is what we report
  await client.connect();
  return client;
}

/** end() without waiting on a server that may already be gone. */
export async function closeQuietly(client: Client | null | undefined): Promise<void> {
  if (!client) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
}

/**
 * Creates, as NOLOGIN roles, those of `names` the cluster does not have yet, so that ownership and
 * privileges restore as they were dumped. Names PostgreSQL reserves (pg_*) are left to fail in the restore,
 * where the error says which.
 */
export async function createMissingRoles(client: Client, names: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  for (const name of names) {
    if (name.startsWith('pg_')) continue;
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    if (rowCount) continue;
    await client.query(`CREATE ROLE ${quoteIdent(name)} NOLOGIN`);
    created.push(name);
  }
  return created;
}
