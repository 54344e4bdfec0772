// `serve --open` hands the browser the token without putting it on any command line: the browser (a fake one
// named by $BROWSER, which records what it was given) gets the path of a 0600 page in a 0700 directory, no
// process's argv holds the token while it runs, the page signs Chromium in to the dashboard, and it is gone
// once serve stops.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser';
import { ensureCliBuilt } from '../../support/cli';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';
import { serve } from '../../support/serve';
import { writeDump } from './fixture';

const parent = testParentDir('serve-open');
let browser: Browser | undefined;

beforeAll(() => {
  ensureCliBuilt();
  // A bundle built before the sign-in page existed would hand the browser the URL itself.
  if (!readFileSync('out/cli/index.js', 'utf8').includes('open-dashboard.html')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
});
afterAll(async () => {
  await browser?.close();
  removeTestParentDir(parent);
});

/** Every process's command line (and, for `pids`, its environment) that holds `needle`. */
function processesHolding(needle: string, environOf: number[] = []): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const read = (what: string) => {
      try {
        return readFileSync(`/proc/${entry}/${what}`, 'latin1');
      } catch {
        return ''; // the process has exited
      }
    };
    if (read('cmdline').includes(needle)) found.push(`${entry} cmdline: ${read('cmdline').replace(/\0/g, ' ')}`);
    if (environOf.includes(Number(entry)) && read('environ').includes(needle)) found.push(`${entry} environ`);
  }
  return found;
}

describe('backup-health serve --open', () => {
  it('gives the browser a private page, never the token, and the page signs the browser in', async () => {
    const work = join(parent, 'work');
    const dumps = join(work, 'dumps');
    mkdirSync(dumps, { recursive: true });
    writeDump(dumps, 'nightly.sql', 3_600_000);
    const config = join(work, 'config.yml');
    writeFileSync(config, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    settle: 0s\n`);
    // The fake browser records its argv and pid, then stays up a while, as a real one would.
    const record = join(work, 'browser-argv');
    const fakeBrowser = join(work, 'fake-browser');
    writeFileSync(fakeBrowser, `#!/bin/sh\necho $$ > "${record}.pid"\nprintf '%s\\n' "$@" > "${record}.tmp" && mv "${record}.tmp" "${record}"\nexec sleep 20\n`);
    chmodSync(fakeBrowser, 0o755);

    const served = await serve(['--config', config, '--data', join(work, 'data'), '--open'], { BROWSER: fakeBrowser });
    try {
      await expect.poll(() => existsSync(record), { timeout: 10_000 }).toBe(true);
      const argv = readFileSync(record, 'utf8').split('\n').filter(Boolean);
      const browserPid = Number(readFileSync(`${record}.pid`, 'utf8'));
      expect(argv).toHaveLength(1);
      const page = argv[0]!;
      expect(page).not.toContain(served.token);
      expect(processesHolding(served.token, [browserPid, served.child.pid!])).toEqual([]);

      // Only its owner can read it: the page 0600, its directory 0700, both ours.
      const file = statSync(page);
      const dir = statSync(dirname(page));
      expect((file.mode & 0o777).toString(8)).toBe('600');
      expect((dir.mode & 0o777).toString(8)).toBe('700');
      expect([file.uid, dir.uid]).toEqual([process.getuid!(), process.getuid!()]);
      expect(readFileSync(page, 'utf8')).toContain(`${served.origin}/?token=${served.token}`);

      // Chromium following the page lands on the dashboard, signed in (the token now a cookie, not in the address).
      browser = await launchChromium();
      const tab = await browser.newPage();
      await tab.goto(`file://${page}`);
      await tab.waitForURL(`${served.origin}/`);
      await tab.getByTestId('source-row-nightly').waitFor({ timeout: 15_000 });
      const cookies = await tab.context().cookies(served.origin);
      expect(cookies.map((c) => [c.name, c.value === served.token, c.httpOnly])).toEqual([[`backup-health-token-${served.port}`, true, true]]);
      // Nor did Chromium and its helpers get it on their command lines.
      expect(processesHolding(served.token)).toEqual([]);

      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
      expect(existsSync(page)).toBe(false);
      expect(existsSync(dirname(page))).toBe(false);
      try {
        process.kill(browserPid, 'SIGTERM');
      } catch {
        // already gone
      }
    } finally {
      if (served.child.exitCode === null) served.child.kill('SIGKILL');
    }
  });

  it('still prints the URL on stdout, where only the user sees it', async () => {
    const work = join(parent, 'no-open');
    mkdirSync(work, { recursive: true });
    const served = await serve(['--config', join(work, 'config.yml'), '--data', join(work, 'data')]);
    expect(served.url).toBe(`${served.origin}/?token=${served.token}`);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });
});
