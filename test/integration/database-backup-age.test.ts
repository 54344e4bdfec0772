// A database's backup-age chart counts only the backups that hold it: one dump directory holds the real pg_dump
// output of two databases, orders dumped 3 days ago and billing then and again last night. Through the engine (a
// real poll of the directory, its databases index) and the database's page: orders is ~3 days old, billing hours.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../shared/config';
import { databaseDetail } from '../../electron/engine/databases/database-detail';
import { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
import { Engine } from '../../electron/engine/engine';
import { History } from '../../electron/engine/store/history';
import { dateCustomDump } from '../support/dump-dates';
import { clientOrThrow } from '../support/postgres-fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const root = mkdtempSync(join(tmpdir(), 'backup-health-db-age-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a database's backup age", () => {
  it('counts only the dumps of that database in a directory holding dumps of several', async () => {
    const made = join(root, 'made');
    const dumps = join(root, 'dumps');
    await ScratchCluster.with({ purpose: 'database-backup-age test', minMajor: 15 }, async (cluster) => {
      const psql = (db: string, command: string) => clientOrThrow(cluster, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', command]);
      for (const db of ['orders', 'billing']) {
        await psql('postgres', `CREATE DATABASE ${db}`);
        await psql(db, `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100);`);
      }
      mkdirSync(made, { recursive: true });
      mkdirSync(dumps, { recursive: true });
      for (const db of ['orders', 'billing']) await clientOrThrow(cluster, 'pg_dump', ['-Fc', '-f', join(made, `${db}.dump`), db]);
    });
    const now = Date.now();
    const ordersAt = new Date(now - 3 * DAY);
    const billingAt = new Date(now - 8 * HOUR);
    const place = (db: string, name: string, when: Date) => {
      copyFileSync(join(made, `${db}.dump`), join(dumps, name));
      dateCustomDump(join(dumps, name), when);
    };
    place('orders', 'orders-1.dump', ordersAt);
    place('billing', 'billing-1.dump', new Date(ordersAt.getTime() + HOUR));
    place('billing', 'billing-2.dump', billingAt);

    const parsed = validateConfig({ sources: [{ id: 'nightly', kind: 'dump-dir', path: dumps, settle: '0s', maxAge: '26h' }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const store = History.open(join(root, 'history.sqlite'));
    try {
      const engine = new Engine({ config: parsed.config as Config, store });
      await engine.pollSource('nightly');
      const rows = engine.databases();
      const page = (name: string) => {
        const summary = rows.find((r) => r.name === name);
        expect(summary?.routines.map((r) => [r.sourceId, r.everyDrill])).toEqual([['nightly', false]]);
        return databaseDetail({ summary: summary!, store, range: '30d', now: Date.now() });
      };
      const orders = page('orders');
      const billing = page('billing');

      // the chart ends at the poll, with the age of the newest dump of that database then (header times: whole seconds)
      const ordersEnd = orders.ageSeries.at(-1)!;
      expect(Math.abs(ordersEnd.value - (ordersEnd.at - ordersAt.getTime()))).toBeLessThan(1000);
      expect(ordersEnd.value).toBeGreaterThan(3 * DAY - HOUR);
      const billingEnd = billing.ageSeries.at(-1)!;
      expect(Math.abs(billingEnd.value - (billingEnd.at - billingAt.getTime()))).toBeLessThan(1000);
      expect(billingEnd.value).toBeLessThan(9 * HOUR);
      // orders' age drops to zero once, when its dump finished; billing's twice
      expect(orders.ageSeries.filter((p) => p.value === 0)).toHaveLength(1);
      expect(billing.ageSeries.filter((p) => p.value === 0)).toHaveLength(2);
      // the marks agree: each page shows its own database's dumps
      expect(orders.backups.map((b) => b.key)).toEqual([expect.stringContaining('orders-1.dump')]);
      expect(billing.backups.map((b) => b.key)).toEqual([expect.stringContaining('billing-1.dump'), expect.stringContaining('billing-2.dump')]);
      engine.stop();
    } finally {
      store.close();
    }
  }, 120_000);
});
