// `npm run dev`: the renderer from Vite's dev server (React Fast Refresh, the hot-reload WebSocket) runs under
// the renderer's strict Content-Security-Policy as it is, in real Chromium: the refresh preamble Vite injects
// inline lands before the policy's meta tag (a meta policy governs only what follows it), and 'self' covers
// the dev server's own ws:. (electron-vite dev serves the renderer with the same Vite plugins; the Electron
// window itself cannot be opened here.)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';

const STRICT = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";
let server: ViteDevServer;
let browser: Browser;

beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: resolve('renderer'),
    base: './',
    logLevel: 'silent',
    plugins: [react()],
    server: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  await server.listen();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the renderer under the dev server', () => {
  it('renders in Chromium under the strict policy with no violation, hot reload connected', async () => {
    expect(readFileSync('renderer/index.html', 'utf8')).toContain(`content="${STRICT}"`);
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const viteConnected = page.waitForEvent('console', { predicate: (m) => /\[vite\] connected/.test(m.text()), timeout: 30_000 });
    const address = server.httpServer!.address() as { port: number };
    await page.goto(`http://127.0.0.1:${address.port}/`);
    // React ran: the app's own header is on the page (no API behind it here, which the page says).
    await page.getByRole('banner').getByText('Backup Health').waitFor({ timeout: 30_000 });
    await viteConnected;
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(STRICT);
    expect(violations).toEqual([]);
    // The watch works: an inline script added now is refused, and said so.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
  });
});
