// The orders database (5,000 customers) dumped by the real pg_dump in the three formats a dump-dir holds, for tests
// that put dumps somewhere other than a local directory (a bucket).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
import { clientOrThrow } from './postgres-fixtures';

export interface OrdersDumps {
  /** pg_dump -Fc */
  custom: Buffer;
  /** pg_dump -Fp */
  plain: Buffer;
  /** pg_dump -Fd: its files by name. */
  directory: Map<string, Buffer>;
}

/** Makes the dumps in `dir` (orders.dump, orders.sql, orders-dir/) with a throwaway cluster, and reads them back. */
export async function makeOrdersDumps(dir: string, purpose: string): Promise<OrdersDumps> {
  await ScratchCluster.with({ purpose, minMajor: 15 }, async (cluster) => {
    const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c', `CREATE TABLE customer (id int PRIMARY KEY, name text); INSERT INTO customer SELECT g, 'customer ' || g FROM generate_series(1, 5000) g;`]);
    await client('pg_dump', ['-Fc', '-f', join(dir, 'orders.dump'), 'orders']);
    await client('pg_dump', ['-Fp', '-f', join(dir, 'orders.sql'), 'orders']);
    await client('pg_dump', ['-Fd', '-f', join(dir, 'orders-dir'), 'orders']);
  });
  return {
    custom: readFileSync(join(dir, 'orders.dump')),
    plain: readFileSync(join(dir, 'orders.sql')),
    directory: new Map(readdirSync(join(dir, 'orders-dir')).map((name) => [name, readFileSync(join(dir, 'orders-dir', name))])),
  };
}
