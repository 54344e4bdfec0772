// Databases as the unit, end to end with the real bin: a real PostgreSQL with two databases, real pg_dump files
// of one of them linked to it, a real restore drill, and `check` judging each database by its recovery
// objectives (`databases:`): met when the drill proved them, missed (critical, exit 2) with the reason in the
// routine's words when the dump is older than the rpo, and a database no routine holds said to be so.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';

const parent = testParentDir('cli-databases');
const drillDir = testParentDir('cli-databases-scratch');
const work = join(parent, 'work');
const dumps = join(work, 'dumps');
const data = join(work, 'data');
const HOUR = 3_600_000;
let db: TcpCluster;
const env = () => ({ MONITOR_PW: db.monitorPassword });

function writeConfig(name: string, databases: string): string {
  const file = join(work, name);
  writeFileSync(
    file,
    `defaults:
  timeout: 30s
  drillDir: ${drillDir}
sources:
  - id: shop-db
    kind: postgres
    url: ${db.url('orders')}
    passwordEnv: MONITOR_PW
  - id: orders-dumps
    kind: dump-dir
    path: ${dumps}
    pattern: "*.dump"
    settle: 0s
    maxAge: 26h
    database: shop-db
databases:
${databases}`,
  );
  return file;
}

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(dumps, { recursive: true });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders; CREATE DATABASE billing;');
  await sql(db.cluster, 'CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 5000) g;', 'orders');
  // Last night's dump: finished 5 hours ago.
  const file = join(dumps, 'orders-1.dump');
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', file, 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  const when = new Date(Date.now() - 5 * HOUR);
  utimesSync(file, when, when);
}, 120_000);

afterAll(async () => {
  await db?.cluster.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  removeTestParentDir(parent);
  removeTestParentDir(drillDir);
});

describe('check judges databases by their recovery objectives', () => {
  it('before any drill: nothing proves the objectives, critical; billing, held by nothing, says so', async () => {
    const config = writeConfig('before.yml', '  - { name: orders, server: shop-db, rpo: 1d, rto: 1h }\n  - { name: billing, server: shop-db, rpo: 1d }\n');
    const result = await runCli(['check', '--json', '--config', config, '--data', data], env());
    expect(result.code, result.stderr).toBe(2);
    const report = JSON.parse(result.stdout);
    const orders = report.databases.find((d: { key: string }) => d.key === 'shop-db/orders');
    expect(orders).toMatchObject({ status: 'critical', sizeBytes: expect.any(Number), lastRestore: null, objectives: { rpoMs: 24 * HOUR, rtoMs: HOUR, drillAgeMs: 8 * 24 * HOUR } });
    expect(orders.findings).toEqual([{ rule: 'database-objectives', status: 'critical', message: 'orders on shop-db misses its recovery objectives: no drill has ever restored it (drillAge 8d); orders-dumps (dump-dir) was never drilled' }]);
    const billing = report.databases.find((d: { key: string }) => d.key === 'shop-db/billing');
    expect(billing.findings).toEqual([expect.objectContaining({ rule: 'database-coverage', status: 'critical' })]);
  });

  it('after a passing drill: met with rpo 1d; missed with rpo 1h, naming the routine and what it reached', async () => {
    const met = writeConfig('met.yml', '  - { name: orders, server: shop-db, rpo: 1d, rto: 1h }\n');
    const drill = await runCli(['drill', '--source', 'orders-dumps', '--config', met, '--data', data], env());
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);

    const ok = await runCli(['check', '--json', '--config', met, '--data', data], env());
    const orders = JSON.parse(ok.stdout).databases.find((d: { key: string }) => d.key === 'shop-db/orders');
    expect(orders.findings).toEqual([]);
    expect(orders.status).toBe('ok');
    // the dump finished 5h before the drill started: that is the recovery point the drill proved
    expect(orders.bestRecoveryPoint.sourceId).toBe('orders-dumps');
    expect(orders.bestRecoveryPoint.recoveryPointMs).toBeGreaterThanOrEqual(5 * HOUR);
    expect(orders.bestRecoveryPoint.recoveryPointMs).toBeLessThan(5 * HOUR + 10 * 60_000);
    expect(orders.lastRestore).toMatchObject({ sourceId: 'orders-dumps', backupKey: join(dumps, 'orders-1.dump'), restoreMs: expect.any(Number) });

    const missed = writeConfig('missed.yml', '  - { name: orders, server: shop-db, rpo: 1h }\n');
    const table = await runCli(['check', '--config', missed, '--data', data], env());
    expect(table.code).toBe(2);
    expect(table.stdout.split('\n')[0]).toMatch(/^BACKUP HEALTH CRITICAL - .*1 database critical/);
    expect(table.stdout).toMatch(/^orders\s+shop-db\s+CRITICAL\s+orders-dumps ok\s+\S+ ago from orders-dumps \(\S+\)\s+5h( \d+m)? \(orders-dumps\)\s+orders on shop-db misses its recovery objectives: best proven recovery point 5h( \d+m)?, over its rpo 1h: only orders-dumps \(dump-dir\) reaches it within 8d$/m);
  });
});
