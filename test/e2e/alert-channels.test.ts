// The alert channels in the dashboard, end to end: `backup-health serve` with a webhook channel to a receiver on
// 127.0.0.1 and one to a refused port, driven in Debian's Chromium. Settings lists the channels and "Send a test
// alert" delivers to the receiver; the overview shows the failing channel's banner; no secret reaches the page.
// Screenshots land in test-results/e2e/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS, alertDashboard, startReceiver, type Receiver } from '../support/alert-channels-setup';
import { launchChromium } from '../support/browser';
import { ensureCliBuilt } from '../support/cli';
import { serve, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const root = mkdtempSync(join(tmpdir(), 'bh-e2e-alerts-'));
let receiver: Receiver;
let served: Served;
let browser: Browser;
let page: Page;
/** Every API answer the page received, to look for secrets in. */
const answers: string[] = [];

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  receiver = await startReceiver();
  const dashboard = await alertDashboard(root, receiver);
  served = await serve(['--config', dashboard.config, '--data', dashboard.data], dashboard.env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/') && response.request().method() === 'POST') void response.text().then((t) => answers.push(t), () => {});
  });
  await page.goto(served.url);
});

afterAll(async () => {
  await browser?.close();
  if (served) {
    served.child.kill('SIGTERM');
    await served.exited;
  }
  await receiver?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('alert channels in the dashboard', () => {
  it('lists the channels in Settings and sends a test alert that is delivered', async () => {
    await page.goto(`${served.origin}/#/settings`);
    await page.getByTestId('alert-channel-good-hook').waitFor();
    expect(await page.getByTestId('alert-target-good-hook').textContent()).toBe(`127.0.0.1:${receiver.port}`);
    expect(await page.getByTestId('alert-filters-good-hook').textContent()).toContain('critical or worse');
    expect(await page.getByTestId('alert-file-only-pager').textContent()).toBe('Config file only (read-only): command');
    expect(await page.getByTestId('alert-channels-hint').textContent()).toContain('Saved to the config file');
    await expect.poll(() => page.getByTestId('alert-failing-dead-hook').textContent(), { timeout: 10_000 }).toMatch(/are failing: .*refused/);

    const before = receiver.received.length;
    await page.getByRole('button', { name: 'Send a test alert to good-hook' }).click();
    const result = page.getByTestId('alert-test-result-good-hook');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toMatch(/^Test alert delivered to 127\.0\.0\.1:\d+ in .* \(HTTP 204\)$/);
    const test = receiver.received.slice(before).find((r) => r.body.includes('"purpose":"test"'));
    expect(JSON.parse(test!.body)).toMatchObject({ purpose: 'test', channel: 'good-hook' });
    // The recorded test becomes the channel's last delivery (pushed 'alerts' event, no reload).
    await expect.poll(() => page.getByTestId('alert-last-good-hook').textContent(), { timeout: 10_000 }).toMatch(/^Last: test delivered/);
    await page.screenshot({ path: join(SHOTS, 'settings-alert-channels.png'), fullPage: true });
  });

  it('shows the failing channel as a critical banner on the overview, linking to it in Settings', async () => {
    await page.goto(`${served.origin}/#/`);
    const banner = page.getByTestId('failing-channel-dead-hook');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toMatch(/Alert channel dead-hook is failing\. webhook alerts to 127\.0\.0\.1:\d+ are failing: .*refused/);
    expect(await page.getByTestId('failing-channel-good-hook').count()).toBe(0);
    await page.getByTestId('source-table').waitFor();
    await page.screenshot({ path: join(SHOTS, 'overview-failing-channel.png'), fullPage: true });
    await banner.getByRole('link', { name: 'See alert channels' }).click();
    await page.getByTestId('alert-channel-dead-hook').waitFor();
    expect(page.url()).toContain('#/settings?channel=dead-hook');
  });

  it('adds a webhook in Settings; it is in force at once and its test alert reaches the receiver', async () => {
    await page.goto(`${served.origin}/#/settings`);
    await page.getByRole('button', { name: 'Add alert channel' }).click();
    const form = page.getByTestId('channel-form-new');
    await form.getByLabel('Id').fill('team-hook');
    await form.getByLabel('URL').fill(`${receiver.url}/team`);
    await form.getByLabel('Lowest status that alerts').selectOption('critical');
    // serve keeps no passwords: the form says where a token goes instead.
    expect(await form.getByTestId('channel-password-elsewhere').textContent()).toContain('Set passwordEnv or passwordFile');
    await page.screenshot({ path: join(SHOTS, 'settings-add-alert-channel.png'), fullPage: true });
    await form.getByRole('button', { name: 'Save channel' }).click();
    expect(await page.getByTestId('alert-channel-notice').textContent()).toBe('Saved alert channel team-hook.');
    await page.getByTestId('alert-channel-team-hook').waitFor();
    const before = receiver.received.length;
    await page.getByRole('button', { name: 'Send a test alert to team-hook' }).click();
    const result = page.getByTestId('alert-test-result-team-hook');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toMatch(/^Test alert delivered to 127\.0\.0\.1:\d+ in .* \(HTTP 204\)$/);
    const test = receiver.received.slice(before).find((r) => r.path === '/team');
    expect(JSON.parse(test!.body)).toMatchObject({ purpose: 'test', channel: 'team-hook' });

    // Editing good-hook (its URL holds a token) shows the host only; a command channel is read-only.
    await page.getByRole('button', { name: 'Edit alert channel good-hook' }).click();
    const edit = page.getByTestId('channel-form-good-hook');
    expect(await edit.getByLabel('URL').inputValue()).toBe('');
    expect(await edit.getByLabel('URL').getAttribute('placeholder')).toBe(`kept: 127.0.0.1:${receiver.port}/… (its path is the secret)`);
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Show alert channel pager' }).click();
    expect(await page.getByTestId('channel-form-pager').getByRole('button', { name: 'Save channel' }).count()).toBe(0);
  });

  it('never puts a channel secret into the page or an API answer', async () => {
    const html = await page.content();
    for (const secret of Object.values(SECRETS)) {
      const token = secret.replace(/^Bearer /, '');
      expect(html).not.toContain(token);
      for (const answer of answers) expect(answer).not.toContain(token);
    }
    expect(answers.some((a) => a.includes('"channels"'))).toBe(true);
  });
});
