// The linked server's WAL position when a physical drill starts: with it, a drill tells an idle database (the
// server wrote nothing past what was replayed: recovery point 0) from WAL that never reached the archive, and
// says how many bytes of WAL the restore stayed behind the server.
import type { Config, SourceConfig } from '../../../shared/config';
import { withSourceConnection } from '../postgres/connection';
import type { ProbeSecrets } from '../secrets';
import type { ServerPosition } from './wal-replay';

const ASK_TIMEOUT_MS = 10_000;

/** The postgres source a backup source names in `database:`, if any. */
export function linkedServer(source: SourceConfig, config: Pick<Config, 'sources'>): Extract<SourceConfig, { kind: 'postgres' }> | undefined {
  const id = 'database' in source ? source.database : undefined;
  const linked = id ? config.sources.find((s) => s.id === id) : undefined;
  return linked?.kind === 'postgres' ? linked : undefined;
}

/**
 * Asks the linked server where its WAL is (a standby: what it received). Null when there is none, or it cannot
 * be asked within a few seconds: the drill then measures the recovery point from times alone.
 */
export function serverPositionOf(source: SourceConfig, config: Pick<Config, 'sources'>, ctx: { signal: AbortSignal; secrets?: ProbeSecrets; now(): number }): (() => Promise<ServerPosition | null>) | undefined {
  const server = linkedServer(source, config);
  if (!server) return undefined;
  return async () => {
    const at = ctx.now();
    const lsn = await withSourceConnection(server, { signal: ctx.signal, timeoutMs: ASK_TIMEOUT_MS, secrets: ctx.secrets }, async (client) => {
      const { rows } = await client.query<{ lsn: string | null }>(
        'SELECT (CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn() ELSE pg_catalog.pg_current_wal_lsn() END)::pg_catalog.text AS lsn',
      );
      return rows[0]?.lsn ?? null;
    });
    return lsn ? { lsn, at } : null;
  };
}
