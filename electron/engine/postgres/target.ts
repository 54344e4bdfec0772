// Where a postgres source connects: host or socket directory, port, user, database and TLS, read from its
// postgres:// url the way libpq reads it (url.ts), with the certificate files sslrootcert, sslcert, sslkey.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { ProbeError } from '../errors';
import { readPostgresUrl } from './url';

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
