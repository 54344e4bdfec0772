// The password of a postgres source: passwordEnv, passwordFile, the desktop app's keychain, or PGPASSWORD /
// ~/.pgpass as libpq would. Looked up only when the server asks for one (connection.ts), never logged.
import pgpass from 'pgpass';
import type { PostgresSourceConfig } from '../../../shared/config';
import { ProbeError } from '../errors';
import { readPasswordFile, type ProbeSecrets } from '../secrets';
import type { PostgresTarget } from './target';

export interface PasswordLookup {
  /** Where the password comes from, in words, for "check the password in ..." */
  where: string;
  get(): Promise<string | undefined>;
}

export async function passwordLookup(source: PostgresSourceConfig, target: PostgresTarget, secrets: ProbeSecrets | undefined): Promise<PasswordLookup> {
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
