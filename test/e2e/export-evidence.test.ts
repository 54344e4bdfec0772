// Export evidence in a browser, end to end: `backup-health serve` over a dump directory, driven in Debian's
// Chromium. On the source page the form offers the last 90 days of that source, HTML or signed JSON (PDF is left
// to the desktop app or the CLI, and it says so); the JSON downloads under the name the page shows, holds that
// source's evidence and verifies with `backup-health report verify` against serve's own key. A bad period is
// refused in words. Screenshots land in test-results/e2e/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../support/cli';
import { writePlainDump } from '../support/plain-dump';
import { closeDashboard, openDashboard, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const work = mkdtempSync(join(tmpdir(), 'backup-health-e2e-evidence-'));
const dumps = join(work, 'dumps');
const data = join(work, 'data');
const configFile = join(work, 'config.yml');
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(dumps);
  writePlainDump(dumps, 'orders-1.sql', 26 * 3_600_000);
  writePlainDump(dumps, 'orders-2.sql', 2 * 3_600_000);
  writeFileSync(configFile, `sources:\n  - { id: orders-dumps, name: Orders dumps, kind: dump-dir, path: ${dumps}, settle: 0s }\n  - { id: other-dumps, kind: dump-dir, path: ${dumps}, settle: 0s }\n`);
  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0'], {}, { acceptDownloads: true }));
}, 120_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  rmSync(work, { recursive: true, force: true });
});

describe('Export evidence in serve', () => {
  it('on a source page: downloads that source’s signed JSON, which verifies with serve’s installation key', async () => {
    await page.goto(`${served.origin}/#/source/orders-dumps`);
    await page.getByTestId('source-page').waitFor();
    await page.getByRole('button', { name: 'Export evidence' }).click();
    const form = page.getByRole('form', { name: 'Export evidence' });
    expect(await form.textContent()).toContain('for the source Orders dumps');
    expect(await form.getByRole('radio', { name: 'The last 90 days' }).isChecked()).toBe(true);
    expect(await form.getByRole('radio', { name: 'PDF' }).isDisabled()).toBe(true);
    expect(await form.getByTestId('evidence-pdf-hint').textContent()).toContain('backup-health report --format pdf');
    await page.screenshot({ path: join(SHOTS, 'export-evidence-form.png') });

    await form.getByRole('radio', { name: /^JSON, signed/ }).check();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), form.getByRole('button', { name: 'Download report' }).click()]);
    const done = form.getByTestId('evidence-done');
    await done.waitFor({ timeout: 60_000 });
    const file = join(work, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^backup-health-evidence-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.json$/);
    const key = (await runCli(['report', 'key', '--data', data])).stdout.trim();
    expect(await done.textContent()).toBe(`Downloaded ${download.suggestedFilename()}, signed by key ${key}.`);
    await page.screenshot({ path: join(SHOTS, 'export-evidence-downloaded.png') });

    const evidence = JSON.parse(readFileSync(file, 'utf8')).evidence as { signingKey: string; sources: { id: string }[] };
    expect(evidence.sources.map((s) => s.id)).toEqual(['orders-dumps']);
    expect(evidence.signingKey).toBe(key);
    const verified = await runCli(['report', 'verify', file, '--data', data]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('VERIFIED');

    // One byte changed in the download: it no longer verifies.
    const bytes = readFileSync(file);
    const at = bytes.indexOf('orders-dumps');
    bytes[at] = 'O'.charCodeAt(0);
    writeFileSync(join(work, 'edited.json'), bytes);
    expect((await runCli(['report', 'verify', join(work, 'edited.json'), '--data', data])).code).toBe(1);
  }, 120_000);

  it('a period that ends before it begins is refused in words, and nothing is downloaded', async () => {
    await page.goto(`${served.origin}/#/`);
    await page.getByTestId('source-table').waitFor();
    await page.getByRole('button', { name: 'Export evidence' }).click();
    const form = page.getByRole('form', { name: 'Export evidence' });
    expect(await form.textContent()).toContain('for every source and database');
    await form.getByRole('radio', { name: 'Between dates (UTC)' }).check();
    await form.getByLabel('From').fill('2026-11-30');
    await form.getByLabel('To').fill('2026-11-01');
    let downloads = 0;
    page.on('download', () => downloads++);
    await form.getByRole('button', { name: 'Download report' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('From (2026-11-30) must not be after To (2026-11-01).');
    // A period wholly in the future passes the form; the server refuses it.
    await form.getByLabel('From').fill('2099-01-01');
    await form.getByLabel('To').fill('2099-01-02');
    await form.getByRole('button', { name: 'Download report' }).click();
    await page.waitForFunction(() => document.querySelector('[role="alert"]')?.textContent?.startsWith('the period must end after it begins') ?? false, undefined, { timeout: 60_000 });
    expect(await alert.textContent()).toMatch(/^the period must end after it begins \(from 2099-01-01T00:00:00\.000Z to \d{4}-/);
    expect(downloads).toBe(0);
  }, 120_000);
});
