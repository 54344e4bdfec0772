// The Databases page end to end: `backup-health serve` with a real engine, a real PostgreSQL with two databases,
// a week of real pg_dump files of one of them linked to it, one real restore drill, and a `databases:` objective
// (rpo 1h) that nightly dumps cannot meet, driven in Debian's Chromium. Screenshots land in test-results/e2e/.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../support/cli';
import { dateCustomDump } from '../support/dump-dates';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../support/postgres-fixtures';
import { postgresProcessesUsing } from '../support/processes';
import { closeDashboard, openDashboard, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const parent = testParentDir('e2e-databases');
const drillDir = join(parent, 'drills');
const work = join(parent, 'work');
const dumps = join(work, 'dumps');
const data = join(work, 'data');
const configFile = join(work, 'config.yml');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DUMPS = 5;
let db: TcpCluster;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  for (const dir of [dumps, drillDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders; CREATE DATABASE billing;');
  await sql(db.cluster, 'CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 5000) g;', 'orders');
  // Nightly dumps of orders for the last five nights, the newest 5 hours old: a recovery point of 5h at best.
  const newest = join(dumps, `orders-${DUMPS}.dump`);
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', newest, 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  for (let night = 1; night <= DUMPS; night++) {
    const file = join(dumps, `orders-${night}.dump`);
    if (file !== newest) copyFileSync(newest, file);
    dateCustomDump(file, new Date(Date.now() - (DUMPS - night) * DAY - 5 * HOUR));
  }
  writeFileSync(
    configFile,
    `defaults:
  drillDir: ${drillDir}
sources:
  - id: shop-db
    name: Shop server
    kind: postgres
    url: ${db.url('orders')}
    passwordEnv: MONITOR_PW
  - id: orders-dumps
    name: Orders nightly dumps
    kind: dump-dir
    path: ${dumps}
    pattern: "*.dump"
    settle: 0s
    maxAge: 26h
    database: shop-db
databases:
  - { name: orders, server: shop-db, rpo: 1h, rto: 1h }
`,
  );
  const env = { MONITOR_PW: db.monitorPassword };
  // One drill of the newest dump, as the scheduler would have run it: it proves a 5h recovery point, over the 1h rpo.
  const drill = await runCli(['drill', '--source', 'orders-dumps', '--config', configFile, '--data', data], env);
  expect(drill.code, drill.stdout + drill.stderr).toBe(0);
  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0'], env));
}, 180_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  await db?.cluster.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(readdirSync(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

const row = (key: string) => page.locator(`[data-testid="database-row"][data-key="${key}"]`);

describe('the Databases page in Chromium', () => {
  it('lists orders critical with the objective it misses, and billing, which nothing holds', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Databases' }).click();
    await page.getByTestId('database-table').waitFor();
    // The engine's first polls (the server's databases, the dumps' headers) arrive as events: the page follows.
    await expect.poll(() => row('shop-db/orders').getAttribute('data-status'), { timeout: 30_000 }).toBe('critical');
    await expect.poll(() => row('shop-db/billing').getAttribute('data-status'), { timeout: 30_000 }).toBe('warning');
    const keys = await page.locator('[data-testid="database-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    expect(keys).toEqual(['shop-db/orders', 'shop-db/billing']);
    expect(await page.getByTestId('count-critical').textContent()).toBe('1 critical');

    const orders = row('shop-db/orders');
    expect(await orders.getByTestId('database-findings').textContent()).toMatch(
      /^orders on shop-db misses its recovery objectives: best proven recovery point 5h( \d+m)?, over its rpo 1h: only orders-dumps \(dump-dir\) reaches it within 8d$/,
    );
    expect(await orders.getByTestId('database-name').textContent()).toBe('orders');
    expect(await orders.locator('.kind').first().textContent()).toMatch(/^on Shop server · [\d.]+ MB$/);
    expect(await orders.getByTestId('routine').textContent()).toMatch(/^OK Orders nightly dumps pg_dump directory · newest 5h( \d+m)? ago$/);
    expect(await orders.getByTestId('database-restore').textContent()).toMatch(/ ago from Orders nightly dumps · took /);
    expect(await orders.getByTestId('database-recovery-point').textContent()).toMatch(/^5h( \d+m)? \(Orders nightly dumps\)$/);
    expect(await row('shop-db/billing').getByTestId('database-findings').textContent()).toMatch(/^no backup holds billing on shop-db: /);
    expect(await row('shop-db/billing').getByTestId('routine').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'databases.png'), fullPage: true });
  });

  it('opens the database page: objectives, the routine linking to its source, backup and drill marks, the rpo line', async () => {
    await row('shop-db/orders').getByTestId('database-findings').click();
    await page.getByTestId('database-page').waitFor();
    expect(new URL(page.url()).hash).toBe('#/database/shop-db%2Forders');
    expect(await page.getByTestId('objective-rpo').textContent()).toBe('rpo: 1h');
    expect(await page.getByTestId('objective-rto').textContent()).toBe('rto: 1h');
    expect(await page.getByTestId('findings').textContent()).toContain('misses its recovery objectives');

    // The backups' own history, from before the first poll: a rise and a drop at each dump after the first.
    await expect.poll(async () => Number(await page.getByTestId('age-chart').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(2 * DUMPS);
    const timeline = page.getByTestId('database-timeline-chart');
    expect(await timeline.getAttribute('data-backups')).toBe(String(DUMPS));
    expect(await timeline.locator('circle.backup-mark[data-source="orders-dumps"]').count()).toBe(DUMPS);
    expect(await timeline.locator('path.drill-mark[data-outcome="pass"]').count()).toBe(1);
    expect(await page.getByTestId('timeline-legend').textContent()).toContain(`Orders nightly dumps backups (${DUMPS})`);

    const recovery = page.getByTestId('database-recovery-chart');
    expect(await recovery.getAttribute('data-rpo-ms')).toBe(String(HOUR));
    expect(await recovery.getAttribute('data-over-rpo')).toBe('1');
    expect(await recovery.getAttribute('data-over-rto')).toBe('0');
    expect(await recovery.locator('.rpo-line').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'database-orders.png'), fullPage: true });

    await page.getByRole('button', { name: '7 days' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/database/shop-db%2Forders?range=7d');
    await expect.poll(() => timeline.getAttribute('data-backups')).toBe(String(DUMPS));

    await page.getByTestId('routine').getByRole('link', { name: 'Orders nightly dumps' }).click();
    await page.getByTestId('source-page').waitFor();
    expect(new URL(page.url()).hash).toBe('#/source/orders-dumps');
  });
});
