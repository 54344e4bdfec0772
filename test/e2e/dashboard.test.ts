// The dashboard end to end: `backup-health serve` with a real engine, a real scratch PostgreSQL and real
// pg_dump archives, driven in Debian's Chromium. Screenshots land in test-results/e2e/.
import { copyFileSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../support/cli';
import { dateCustomDump } from '../support/dump-dates';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../support/postgres-fixtures';
import { postgresProcessesUsing } from '../support/processes';
import { closeDashboard, openDashboard, type Served } from '../support/serve';
import { startSshd, type TestSshd } from '../support/sshd';

const SHOTS = 'test-results/e2e';
const parent = testParentDir('e2e');
const drillDir = join(parent, 'drills');
const work = join(parent, 'work');
const dumps = join(work, 'dumps');
const broken = join(work, 'broken');
const data = join(work, 'data');
const configFile = join(work, 'config.yml');
const DAY = 86_400_000;
let db: TcpCluster;
let served: Served;
let browser: Browser;
let page: Page;
let sshd: TestSshd;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  for (const dir of [dumps, broken, drillDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  db = await startTcpCluster({ parentDir: parent });
  sshd = await startSshd();
  await sql(db.cluster, 'CREATE DATABASE orders;');
  await sql(db.cluster, 'CREATE TABLE customers AS SELECT g AS id FROM generate_series(1, 3000) g; CREATE TABLE orders AS SELECT g AS id, g % 3000 AS customer FROM generate_series(1, 20000) g;', 'orders');
  const newest = join(dumps, 'orders-7.dump');
  expect((await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', newest, 'orders'])).code).toBe(0);
  // A week of nightly dumps in each directory; in `broken`, last night's is the few bytes pg_dump left behind.
  for (let day = 1; day <= 7; day++) {
    for (const dir of [dumps, broken]) {
      const file = join(dir, `orders-${day}.dump`);
      if (dir === broken && day === 7) writeFileSync(file, 'PGDMP');
      else if (file !== newest) copyFileSync(newest, file);
      const when = new Date(Date.now() - (8 - day) * DAY + 3_600_000);
      if (dir === broken && day === 7) utimesSync(file, when, when);
      else dateCustomDump(file, when);
    }
  }
  writeFileSync(
    configFile,
    `defaults:
  drillDir: ${drillDir}
sources:
  - id: orders-db
    kind: postgres
    url: ${db.url('orders')}
    passwordEnv: MONITOR_PW
  - id: orders-dumps
    kind: dump-dir
    path: ${dumps}
    database: orders-db
    settle: 0s
    drill:
      checks:
        - name: customers
          sql: select count(*) = 3000 from customers
  - id: broken-dumps
    kind: dump-dir
    path: ${broken}
    settle: 0s
  - id: offsite-dumps
    name: Dumps on backup1
    kind: dump-dir
    host: ${sshd.host}
    sshOptions: ${JSON.stringify(sshd.sshOptions)}
    path: ${dumps}
    settle: 0s
    drill: {}
`,
  );
  const env = { MONITOR_PW: db.monitorPassword };
  // Two earlier checks (cron, say) give the history some polls to chart.
  for (let i = 0; i < 2; i++) expect((await runCli(['check', '--config', configFile, '--data', data], env)).code).toBe(2);
  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0'], env));
}, 120_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  await db?.cluster.stop();
  await sshd?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(readdirSync(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('the dashboard in Chromium', () => {
  it('overview: every source with the right status, worst first, and counts', async () => {
    await page.getByTestId('source-table').waitFor();
    await expect.poll(() => page.getByTestId('status-broken-dumps').getAttribute('data-status')).toBe('critical');
    expect(await page.getByTestId('status-orders-dumps').getAttribute('data-status')).toBe('ok');
    // orders-db has no dump-dir linked for its "postgres" database only; that one is ignored by default: ok.
    expect(await page.getByTestId('status-orders-db').getAttribute('data-status')).toBe('ok');
    const rows = await page.locator('[data-testid^="source-row-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(rows[0]).toBe('source-row-broken-dumps');
    expect(await page.getByTestId('count-critical').textContent()).toContain('1');
    expect(await page.getByTestId('finding-broken-dumps').textContent()).toMatch(/orders-7\.dump/);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
  });

  it('source page: the charts have their points, and a restore drill shows progress then the result', async () => {
    await page.getByTestId('source-row-orders-dumps').click();
    await page.getByTestId('source-page').waitFor();
    await page.getByRole('button', { name: '7 days' }).click();
    await expect.poll(() => page.getByTestId('size-chart').getAttribute('data-points'), { timeout: 10_000 }).toBe('7');
    // Polled, not read once: the range switch re-fetches, and a loaded machine answers late.
    await expect.poll(async () => Number(await page.getByTestId('age-chart').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => Number(await page.getByTestId('stored-chart').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#stored-chart-title').textContent()).toBe('Dump directory size');
    await expect.poll(() => page.getByTestId('drill-chart').getAttribute('data-points'), { timeout: 10_000 }).toBe('0');

    // Record every phase the progress bar shows: a small drill passes through them in well under a second.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { phasesSeen: string[] }).phasesSeen = seen;
      new MutationObserver(() => {
        const phase = document.querySelector('[data-testid="drill-progress"]')?.getAttribute('data-phase');
        if (phase && seen.at(-1) !== phase) seen.push(phase);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
    });
    await page.getByRole('button', { name: 'Run restore drill' }).click();
    await page.getByTestId('drill-progress').waitFor({ timeout: 30_000 });
    const result = page.getByTestId('drill-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-outcome')).toBe('pass');
    const phases = await page.evaluate(() => (window as unknown as { phasesSeen: string[] }).phasesSeen);
    expect(phases).toEqual(expect.arrayContaining(['restore', 'verify']));
    await expect.poll(() => page.getByTestId('drill-chart').getAttribute('data-points'), { timeout: 10_000 }).toBe('1');
    await expect.poll(async () => (await page.getByTestId('last-restore').textContent()) ?? '').toMatch(/orders-7\.dump/);
    await page.screenshot({ path: join(SHOTS, 'source-orders-dumps.png'), fullPage: true });

    await page.goto(`${served.origin}/#/source/broken-dumps`);
    await page.getByRole('button', { name: '7 days' }).click();
    await expect.poll(() => page.getByTestId('size-chart').getAttribute('data-anomalies'), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('[data-testid="size-chart"] rect[data-anomaly="unreadable"]').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'source-broken-dumps.png'), fullPage: true });
  });

  it('a drill of dumps on another host shows the copy in bytes, then restores the copy', async () => {
    await page.goto(`${served.origin}/#/source/offsite-dumps`);
    await page.getByTestId('source-page').waitFor();
    expect(await page.locator('.page-header .kind').textContent()).toBe('pg_dump directory on root@127.0.0.1');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { copyTexts: string[] }).copyTexts = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="drill-progress"]');
        if (bar?.getAttribute('data-phase') === 'copy') seen.push(bar.textContent ?? '');
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Run restore drill' }).click();
    const result = page.getByTestId('drill-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-outcome')).toBe('pass');
    expect(await result.textContent()).toMatch(/copied from root@127\.0\.0\.1/);
    const copies = await page.evaluate(() => (window as unknown as { copyTexts: string[] }).copyTexts);
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.at(-1)).toMatch(/^Copying the backup here — [\d.]+ (B|kB) of [\d.]+ kB \(from root@127\.0\.0\.1\)$/);
    await page.screenshot({ path: join(SHOTS, 'source-offsite-dumps.png'), fullPage: true });
  });

  it('settings: a bad value is refused beside its field, a good one is saved and polled', async () => {
    await page.goto(`${served.origin}/#/settings/new`);
    await page.getByLabel('Directory of pg_dump files').check();
    await page.locator('#field-id').fill('more-dumps');
    await page.locator('#field-path').fill(dumps);
    await page.getByLabel('Max backup age').fill('26 hours');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await page.getByTestId('problem-maxAge').textContent()) ?? '').toContain('"26 hours" is not a duration');
    await page.getByLabel('Max backup age').fill('26h');
    await page.getByRole('button', { name: 'Test' }).click();
    await expect.poll(async () => (await page.getByTestId('test-observed').textContent()) ?? '').toMatch(/7 backups/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('saved-notice').waitFor();
    await page.goto(`${served.origin}/#/`);
    await page.getByTestId('source-row-more-dumps').waitFor();
    const saved = await runCli(['config', 'check', '--config', configFile]);
    expect(saved.stdout).toContain('ok (5 sources)');
  });
});
