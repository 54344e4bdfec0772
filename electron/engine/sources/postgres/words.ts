// Where a PostgreSQL server is, in words safe to print: host and port, or the socket directory; never the URL
// (it may carry a password).
import type { PostgresSourceConfig } from '../../../../shared/config';

export function postgresLocation(source: PostgresSourceConfig): string {
  try {
    const url = new URL(source.url);
    if (url.hostname) return url.port ? `${url.hostname}:${url.port}` : url.hostname;
    const socketDir = url.searchParams.get('host');
    return socketDir ? `the socket in ${socketDir}` : 'the local PostgreSQL socket';
  } catch {
    return source.id;
  }
}
