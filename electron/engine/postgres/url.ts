// What a postgres:// URL names, read the way libpq reads it, once for the probe, the rules and the drills.

export interface PostgresUrlParts {
  url: URL;
  /** ?host= (a socket directory or a host), else the URL's host name, else localhost. */
  host: string;
  /** As written ('' when absent: 5432). */
  port: string;
  /** The URL's user, else ?user=; '' when neither is given (libpq then uses the OS user). */
  user: string;
  /** The path, else ?dbname=, else the user; '' when none is given. */
  database: string;
}

/** The parts of a postgres:// URL; null when it is not a URL at all. */
export function readPostgresUrl(text: string): PostgresUrlParts | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const params = url.searchParams;
  const host = params.get('host') || url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = url.port || params.get('port') || '';
  const user = decodeURIComponent(url.username) || params.get('user') || '';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || params.get('dbname') || user;
  return { url, host, port, user, database };
}

/** The database a postgres:// URL connects to, as libpq picks it: path, ?dbname=, else the user name. */
export function urlDatabase(text: string): string | null {
  return readPostgresUrl(text)?.database || null;
}
