// Recovery objectives edited in Settings, end to end: `backup-health serve` over a config whose only source is a
// real scratch PostgreSQL (databases orders and billing), billing's objectives already in the file with comments,
// driven in Debian's Chromium. The database is chosen among those the server lists. A bad duration is refused
// beside its field and the file stays as it was; good objectives are written to the file (its comments kept), pass
// `config check` and are in force at once; an edit and a confirmed removal reach the file too. Screenshots land in
// test-results/e2e/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabasesView } from '../../shared/api';
import { ensureCliBuilt, runCli } from '../support/cli';
import { removeTestParentDir, sql, startTcpCluster, testParentDir, type TcpCluster } from '../support/postgres-fixtures';
import { postgresProcessesUsing } from '../support/processes';
import { closeDashboard, openDashboard, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const parent = testParentDir('e2e-objectives');
const data = join(parent, 'data');
const configFile = join(parent, 'config.yml');
let db: TcpCluster;
let served: Served;
let browser: Browser;
let page: Page;
let written: string;

const BILLING = `databases:
  # billing's objectives were agreed with finance
  - name: billing
    server: shop-db
    rto: 2h # restore within the morning
`;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders; CREATE DATABASE billing;');
  written = `# Backup Health for the shop: edited by hand and from the dashboard
sources:
  - id: shop-db # the primary, watched over TCP
    kind: postgres
    url: ${db.url('orders')}
    passwordEnv: MONITOR_PW
${BILLING}`;
  writeFileSync(configFile, written);
  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0'], { MONITOR_PW: db.monitorPassword }));
}, 120_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  await db?.cluster.stop();
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

/** The databases view as the dashboard gets it, through serve's API with the page's session. */
function databasesView(): Promise<DatabasesView> {
  return page.evaluate(async () => {
    const response = await fetch('/api/databases', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    return ((await response.json()) as { value: DatabasesView }).value;
  });
}

describe('recovery objectives in Settings', () => {
  it('refuses a bad duration beside its field and writes nothing; good objectives reach the file, comments kept, and are in force', async () => {
    await page.goto(`${served.origin}/#/settings`);
    const section = page.getByTestId('objective-settings');
    await section.getByTestId('objective-billing on shop-db').waitFor();
    expect(await section.getByTestId('objective-words-billing on shop-db').textContent()).toBe('RPO not set · RTO 2h · drill within 8d (default)');
    expect(await section.getByTestId('objectives-hint').textContent()).toContain(configFile);

    await section.getByRole('button', { name: 'Add recovery objectives' }).click();
    const form = page.getByTestId('objective-form-new');
    expect(await form.getByLabel('Server').locator('option').allTextContents()).toEqual(['choose the postgres source', 'shop-db']);
    await form.getByLabel('Server').selectOption('shop-db');
    // The database is chosen among those the server lists (its first poll found them), not typed.
    const database = form.getByLabel('Database');
    await expect.poll(() => database.evaluate((el) => el.tagName), { timeout: 30_000 }).toBe('SELECT');
    expect(await database.locator('option').allTextContents()).toEqual(['choose the database', 'billing', 'orders']);
    await database.selectOption('orders');
    await form.getByLabel('Recovery point objective (RPO)').fill('soon');
    await form.getByLabel('Recovery time objective (RTO)').fill('1h');
    await form.getByRole('button', { name: 'Save objectives' }).click();
    const problem = form.getByTestId('problem-rpo');
    await problem.waitFor();
    expect(await problem.textContent()).toBe('"soon" is not a duration (use 90s, 15m, 26h, 7d)');
    expect(await form.getByLabel('Recovery point objective (RPO)').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByTestId('problem-rto').count()).toBe(0);
    expect(readFileSync(configFile, 'utf8')).toBe(written);
    await page.screenshot({ path: join(SHOTS, 'settings-objective-refused.png'), fullPage: true });

    await form.getByLabel('Recovery point objective (RPO)').fill('15m');
    await form.getByRole('button', { name: 'Save objectives' }).click();
    await expect.poll(() => page.getByTestId('objective-notice').textContent()).toBe('Saved the recovery objectives of orders on shop-db.');
    await section.getByTestId('objective-orders on shop-db').waitFor();
    expect(await section.getByTestId('objective-words-orders on shop-db').textContent()).toBe('RPO 15m · RTO 1h · drill within 8d (default)');
    written += '  - name: orders\n    server: shop-db\n    rpo: 15m\n    rto: 1h\n';
    expect(readFileSync(configFile, 'utf8')).toBe(written);
    const check = await runCli(['config', 'check', '--config', configFile]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // In force without a restart: the engine judges orders by them.
    await expect
      .poll(async () => (await databasesView()).databases.find((d) => d.key === 'shop-db/orders')?.objectives, { timeout: 30_000 })
      .toEqual({ rpoMs: 15 * 60_000, rtoMs: 3_600_000, drillAgeMs: 8 * 86_400_000 });
    await page.screenshot({ path: join(SHOTS, 'settings-objectives.png'), fullPage: true });
  });

  it('edits an entry in place and removes one only after confirmation, in the file too', async () => {
    const section = page.getByTestId('objective-settings');
    await section.getByRole('button', { name: 'Edit objectives of billing on shop-db' }).click();
    const form = page.getByTestId('objective-form-billing on shop-db');
    expect(await form.getByLabel('Recovery time objective (RTO)').inputValue()).toBe('2h');
    await expect.poll(() => form.getByLabel('Database').evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await form.getByLabel('Database').inputValue()).toBe('billing');
    await form.getByLabel('Drill age').fill('3d');
    await page.screenshot({ path: join(SHOTS, 'settings-objective-edit.png'), fullPage: true });
    await form.getByRole('button', { name: 'Save objectives' }).click();
    await expect.poll(() => page.getByTestId('objective-notice').textContent()).toBe('Saved the recovery objectives of billing on shop-db.');
    await expect.poll(() => section.getByTestId('objective-words-billing on shop-db').textContent()).toBe('RPO not set · RTO 2h · drill within 3d');
    written = written.replace('    rto: 2h # restore within the morning\n', '    rto: 2h # restore within the morning\n    drillAge: 3d\n');
    expect(readFileSync(configFile, 'utf8')).toBe(written);

    await section.getByRole('button', { name: 'Remove the objectives of orders on shop-db' }).click();
    expect(readFileSync(configFile, 'utf8')).toBe(written);
    await section.getByRole('button', { name: 'Yes, remove the objectives of orders on shop-db' }).click();
    await expect.poll(() => page.getByTestId('objective-notice').textContent()).toBe('Removed the recovery objectives of orders on shop-db.');
    await expect.poll(() => section.getByTestId('objective-orders on shop-db').count()).toBe(0);
    written = written.replace('  - name: orders\n    server: shop-db\n    rpo: 15m\n    rto: 1h\n', '');
    expect(readFileSync(configFile, 'utf8')).toBe(written);
    expect(written).toContain("# billing's objectives were agreed with finance");
  });
});
