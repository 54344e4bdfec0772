// `backup-health serve` in a child process, as a user starts it: resolves once it printed its URL line. And the
// dashboard it serves opened in Chromium, as the e2e tests drive it.
import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from './browser';

export const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43})$/;

export interface Served {
  child: ChildProcess;
  url: string;
  origin: string;
  port: number;
  token: string;
  stderr(): string;
  exited: Promise<number | null>;
}

export function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, ['bin/backup-health.js', 'serve', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 10 s; stderr:\n${stderr}`)), 10_000);
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      const line = stdout.slice(0, stdout.indexOf('\n'));
      const match = URL_LINE.exec(line);
      if (!match) return reject(new Error(`not a URL line: ${JSON.stringify(line)}`));
      const port = Number(match[1]);
      resolve({ child, url: line, origin: `http://127.0.0.1:${port}`, port, token: match[2]!, stderr: () => stderr, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before printing a URL:\n${stderr}`)));
  });
}

/** Opens served.url as a browser does: the one-time token is swapped for a session cookie ("name=value"). */
export async function signIn(served: Served): Promise<string> {
  const res = await fetch(served.url, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

export interface Dashboard {
  served: Served;
  browser: Browser;
  page: Page;
}

/** serve started with `args`, its page opened in Chromium at 1280×900 and signed in through its URL. */
export async function openDashboard(args: string[], env: NodeJS.ProcessEnv = {}, pageOptions: BrowserContextOptions = {}): Promise<Dashboard> {
  const served = await serve(args, env);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...pageOptions });
  await page.goto(served.url);
  return { served, browser, page };
}

/** Closes the browser and stops serve, which must exit 0 (a clean shutdown); for an afterAll, whatever was opened. */
export async function closeDashboard(dashboard: Partial<Dashboard>): Promise<void> {
  await dashboard.browser?.close();
  dashboard.served?.child.kill('SIGTERM');
  if (dashboard.served) expect(await dashboard.served.exited).toBe(0);
}
