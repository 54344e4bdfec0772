// What Barman drill tests need beyond the Barman setup (barman-fixtures.ts): a tablespace on its primary, which
// Barman's postgres-method backups keep beside data/ as <backup dir>/<oid> (pg_basebackup --tablespace-mapping).
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BarmanSetup } from './barman-fixtures';
import { quoteLiteral, sql } from './postgres-fixtures';

/** A tablespace `name` in <root>/tablespace-<name>, owned by the cluster's user, with a table of 500 rows in it. */
export async function addBarmanTablespace(setup: Pick<BarmanSetup, 'root' | 'primary'>, name = 'archive_space'): Promise<{ oid: string; location: string }> {
  const location = join(setup.root, `tablespace-${name}`);
  mkdirSync(location, { mode: 0o700 });
  const owner = setup.primary.owner;
  if (owner) chownSync(location, owner.uid, owner.gid);
  await sql(setup.primary, `CREATE TABLESPACE ${name} LOCATION ${quoteLiteral(location)};`);
  await sql(setup.primary, `CREATE TABLE public.${name}_rows (id int, note text) TABLESPACE ${name}; INSERT INTO public.${name}_rows SELECT g, md5(g::text) FROM generate_series(1, 500) AS g;`);
  return { oid: await sql(setup.primary, `SELECT oid FROM pg_tablespace WHERE spcname = ${quoteLiteral(name)};`), location };
}
