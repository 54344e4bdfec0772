// A restore drill's audit evidence on the source page (issue 17): `backup-health serve` with a real engine runs a
// real drill of a pg_dump file and of a directory-format dump, and Debian's Chromium shows each one's SHA-256
// (abbreviated, the full value on a click and on the clipboard), what was hashed, the machine and the tools: in the
// drill's result, and in its row of the source's drill history.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt } from '../support/cli';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../support/postgres-fixtures';
import { postgresProcessesUsing } from '../support/processes';
import { closeDashboard, openDashboard, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const parent = testParentDir('e2e-provenance');
const drillDir = join(parent, 'drills');
const work = join(parent, 'work');
const fileDumps = join(work, 'file-dumps');
const dirDumps = join(work, 'dir-dumps');
const data = join(work, 'data');
const configFile = join(work, 'config.yml');
const dumpFile = join(fileDumps, 'orders.dump');
const dumpDir = join(dirDumps, 'orders.dir');
let db: TcpCluster;
let served: Served;
let browser: Browser;
let page: Page;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** `(cd DIR && LC_ALL=C ls | xargs sha256sum) | sha256sum`, as shared/model.ts defines a directory dump's checksum. */
function directoryManifest(dir: string): string {
  const names = readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sha256(names.map((name) => `${sha256(readFileSync(join(dir, name)))}  ${name}\n`).join(''));
}

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  for (const dir of [fileDumps, dirDumps, drillDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders;');
  await sql(db.cluster, 'CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 5000) g;', 'orders');
  for (const args of [['-Fc', '-f', dumpFile, 'orders'], ['-Fd', '-f', dumpDir, 'orders']]) {
    const dump = await runClient(db.cluster, 'pg_dump', args);
    expect(dump.code, dump.stderr).toBe(0);
  }
  writeFileSync(
    configFile,
    `defaults:
  drillDir: ${drillDir}
sources:
  - id: file-dumps
    kind: dump-dir
    path: ${fileDumps}
    settle: 0s
    drill: {}
  - id: dir-dumps
    kind: dump-dir
    path: ${dirDumps}
    settle: 0s
    drill: {}
`,
  );
  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0']));
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin });
}, 120_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  await db?.cluster.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

async function runDrillOn(sourceId: string) {
  await page.goto(`${served.origin}/#/source/${sourceId}`);
  await page.getByTestId('source-page').waitFor();
  await page.getByRole('button', { name: 'Run restore drill' }).click();
  const result = page.getByTestId('drill-result');
  await result.waitFor({ timeout: 90_000 });
  expect(await result.getAttribute('data-outcome'), (await result.textContent()) ?? '').toBe('pass');
  return result;
}

describe('a drill shows what it restored, hashed, and where', () => {
  it('a pg_dump file: its SHA-256 abbreviated, in full on a click and on the clipboard, with host and tool versions', async () => {
    const expected = sha256(readFileSync(dumpFile));
    const result = await runDrillOn('file-dumps');
    const checksum = result.getByTestId('drill-checksum');
    expect(await checksum.textContent()).toContain(`${expected.slice(0, 12)}…`);
    expect(await checksum.textContent()).not.toContain(expected);
    expect(await checksum.textContent()).toContain('of the file');
    expect(await checksum.locator('[title]').first().getAttribute('title')).toBe(expected);
    expect(await result.getByTestId('drill-host').textContent()).toBe(hostname());
    expect(await result.getByTestId('drill-tools').textContent()).toMatch(/pg_restore \S*15/);

    await result.getByRole('button', { name: 'Copy the full SHA-256' }).click();
    await result.getByText('copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    // The full value is on the page too, for a selection by hand.
    expect(await result.getByTestId('checksum-full').textContent()).toBe(expected);
    await page.screenshot({ path: join(SHOTS, 'drill-provenance-file.png'), fullPage: true });
  });

  it("the drill's row in the history, read back from the store through serve, opens the same evidence", async () => {
    const expected = sha256(readFileSync(dumpFile));
    await page.reload();
    const row = page.getByTestId('drill-row');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.getAttribute('data-outcome')).toBe('pass');
    await row.getByRole('button', { name: /^Details of the drill of / }).click();
    const detail = page.getByTestId('drill-detail');
    expect(await detail.getByTestId('drill-checksum').textContent()).toContain(`${expected.slice(0, 12)}… of the file`);
    expect(await detail.getByTestId('drill-host').textContent()).toBe(hostname());
    await detail.getByRole('button', { name: 'Show the full SHA-256' }).click();
    expect(await detail.getByTestId('checksum-full').textContent()).toBe(expected);
    await page.screenshot({ path: join(SHOTS, 'drill-provenance-history.png'), fullPage: true });
  });

  it("a directory-format dump: the SHA-256 of its files' sorted manifest", async () => {
    const expected = directoryManifest(dumpDir);
    const result = await runDrillOn('dir-dumps');
    const checksum = result.getByTestId('drill-checksum');
    expect(await checksum.textContent()).toContain(`${expected.slice(0, 12)}…`);
    expect(await checksum.textContent()).toContain("of the directory's files (sorted manifest)");
    await result.getByRole('button', { name: 'Show the full SHA-256' }).click();
    expect(await result.getByTestId('checksum-full').textContent()).toBe(expected);
    await page.screenshot({ path: join(SHOTS, 'drill-provenance-directory.png'), fullPage: true });
  });
});
