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
 * Settings every drill connection pins in its startup packet, where nothing in the restored database (ALTER
 * DATABASE / ROLE ... SET) can override them: a search_path that finds nothing the backup defined before
 * pg_catalog. (Libraries loaded on connect can only be set by a superuser, which no backup SQL runs as.)
 */
export const PINNED_SEARCH_PATH = 'pg_catalog,pg_temp';
/** The user's checks: pg_catalog still first, then public, so `select count(*) from orders` finds their table. */
export const USER_CHECKS_SEARCH_PATH = 'pg_catalog,public,pg_temp';
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
