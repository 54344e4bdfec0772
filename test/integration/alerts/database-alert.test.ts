// A database missing its recovery objectives reaches a person, once, in its own words: a real PostgreSQL server
// watched by a postgres source, a directory of real pg_dump files of its orders database linked to it, an
// objective (rpo 1h) no drill has proved yet, and the engine and its alerts as serve runs them with a webhook
// channel. The database is told as its own entry (beside its sources, which are fine), with the objective's
// message and a link to its page; a second round says nothing new; its objectives removed from the config is one
// recovery message.
import { mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { Receiver, configOf, pollRound, running, type Running } from './alert-process';

const parentDir = testParentDir('database-alert');
const dumps = join(parentDir, 'dumps');
const receiver = new Receiver();
const PW_ENV = 'BH_TEST_DATABASE_ALERT_PW';
let db: TcpCluster;
let app: Running;

const config = (databases: unknown[]) =>
  configOf({
    sources: [
      { id: 'shop-db', kind: 'postgres', url: db.url('orders'), passwordEnv: PW_ENV, coverageIgnore: ['postgres'] },
      { id: 'orders-dumps', kind: 'dump-dir', path: dumps, pattern: '*.dump', settle: '0s', maxAge: '26h', database: 'shop-db' },
    ],
    databases,
    alerts: { channels: [{ id: 'ops-hook', kind: 'webhook', url: `${receiver.base}/hook`, minStatus: 'warning' }], dashboardUrl: 'https://bh.example.com/' },
  });

beforeAll(async () => {
  await receiver.start();
  mkdirSync(dumps, { recursive: true });
  db = await startTcpCluster({ parentDir });
  process.env[PW_ENV] = db.monitorPassword;
  await sql(db.cluster, 'CREATE DATABASE orders;');
  await sql(db.cluster, 'CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 1000) g;', 'orders');
  const file = join(dumps, 'orders-1.dump');
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', file, 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  const when = new Date(Date.now() - 2 * 3_600_000);
  utimesSync(file, when, when);
  app = running(join(parentDir, 'history.sqlite'), config([{ name: 'orders', server: 'shop-db', rpo: '1h' }]));
}, 120_000);

afterAll(async () => {
  await app?.close();
  await receiver.stop();
  await db?.cluster.stop();
  delete process.env[PW_ENV];
  expect(scratchDirsIn(parentDir)).toEqual([]);
  removeTestParentDir(parentDir);
});

const sent = () => receiver.bodies.filter((b) => b.path.startsWith('/hook')).map((b) => b.body);

describe('a database missing its objectives reaches a person', () => {
  it('is told once as its own entry, with the reason and its page, and recovers when its objectives go', async () => {
    await pollRound(app.engine, app.service);
    expect(app.engine.summary('orders-dumps').status).toBe('ok');
    expect(app.engine.summary('shop-db').status).toBe('ok');
    expect(sent()).toHaveLength(1);
    const alert = sent()[0]!;
    expect(alert).toMatchObject({ purpose: 'status', status: 'critical', sources: [{ id: 'database:shop-db/orders', name: 'database orders on shop-db', reason: 'problem', to: 'critical' }] });
    const entry = (alert.sources as { findings: { rule: string; message: string }[]; link?: string }[])[0]!;
    expect(entry.findings).toEqual([expect.objectContaining({ rule: 'database-objectives', message: 'orders on shop-db misses its recovery objectives: no drill has ever restored it (drillAge 8d); orders-dumps (dump-dir) was never drilled' })]);
    expect(entry.link).toBe('https://bh.example.com/#/database/shop-db%2Forders');
    expect(alert.text).toContain('database orders on shop-db');

    await pollRound(app.engine, app.service);
    expect(sent()).toHaveLength(1);

    app.engine.setConfig(config([]));
    await pollRound(app.engine, app.service);
    expect(sent()).toHaveLength(2);
    expect(sent()[1]).toMatchObject({ status: 'ok', sources: [{ id: 'database:shop-db/orders', reason: 'recovered', from: 'critical', to: 'ok' }] });
  }, 120_000);
});
