// Database names as the dashboard shows them, end to end: `backup-health serve` over a real scratch PostgreSQL
// holding a database with a 60-character name and a real pg_dump of it in a dump directory, driven in Debian's
// Chromium. On the Databases page the long name stays in its own column (it wraps; its full name is in a title):
// checked on the boxes Chromium laid out, not on a screenshot. Screenshots land in test-results/e2e/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt } from '../support/cli';
import { removeTestParentDir, sql, startTcpCluster, testParentDir, type TcpCluster } from '../support/postgres-fixtures';
import { postgresProcessesUsing } from '../support/processes';
import { closeDashboard, openDashboard, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const parent = testParentDir('e2e-database-names');
const work = join(parent, 'work');
const dumps = join(work, 'dumps');
const data = join(work, 'data');
const configFile = join(work, 'config.yml');
/** 60 characters, no space to break at: the worst case for a table column. */
const LONG = 'customer_order_line_items_archive_eu_west_production_replica';
let db: TcpCluster;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  expect(LONG).toHaveLength(60);
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(dumps, { recursive: true, mode: 0o755 });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, `CREATE DATABASE orders; CREATE DATABASE ${LONG};`);
  await sql(db.cluster, 'CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 100) g;', LONG);
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', join(dumps, 'archive.dump'), LONG]);
  expect(dump.code, dump.stderr).toBe(0);
  writeFileSync(
    configFile,
    `sources:
  - id: shop-db
    name: Shop server
    kind: postgres
    url: ${db.url('orders')}
    passwordEnv: MONITOR_PW
  - id: archive-dumps
    name: Archive nightly dumps
    kind: dump-dir
    path: ${dumps}
    settle: 0s
    database: shop-db
`,
  );
  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0'], { MONITOR_PW: db.monitorPassword }));
}, 120_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  await db?.cluster.stop();
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

describe('database names', () => {
  it('the Databases page: a 60-character name stays in its column, beside its routine, with the full name in a title', async () => {
    await page.goto(`${served.origin}/#/databases`);
    const row = page.locator(`[data-testid="database-row"][data-key="shop-db/${LONG}"]`);
    // The routine arrives with the dump directory's first poll.
    await expect.poll(() => row.getByTestId('routine').count(), { timeout: 30_000 }).toBe(1);
    const name = row.getByTestId('database-name');
    expect(await name.textContent()).toBe(LONG);

    const boxes = await row.evaluate((tr) => {
      const box = (el: Element): Box => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      };
      const nameCell = tr.querySelector('th')!;
      const link = nameCell.querySelector('[data-testid="database-name"]')!;
      const routinesCell = tr.querySelector('td:has([data-testid="routine"])')!;
      // Every line box of the name: an inline link that overflows has one wider than its cell.
      return { cell: box(nameCell), lines: [...link.getClientRects()].map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom })), routines: box(routinesCell), routine: box(routinesCell.querySelector('[data-testid="routine"]')!), scroll: nameCell.scrollWidth, client: nameCell.clientWidth };
    });
    expect(boxes.lines.length).toBeGreaterThan(1); // wrapped, not clipped to one line
    for (const line of boxes.lines) {
      expect(line.right).toBeLessThanOrEqual(boxes.cell.right);
      expect(line.right).toBeLessThanOrEqual(boxes.routines.left);
      expect(line.right <= boxes.routine.left || line.bottom <= boxes.routine.top || line.top >= boxes.routine.bottom).toBe(true);
    }
    expect(boxes.scroll).toBeLessThanOrEqual(boxes.client);
    expect(await name.getAttribute('title')).toBe(LONG);
    await page.screenshot({ path: join(SHOTS, 'databases-long-name.png'), fullPage: true });
  });
});
