// The Databases page in Debian's Chromium against a real `backup-health serve` (issue 15, item 6): 200 databases
// held by 600 routines (200 dump directories, each with last night's dumps of three databases, so each database
// is held by three of them), with drills recorded for half of them, from the data arriving to the painted page —
// goal <= 400 ms. The baseline is the overview of the same 200 sources in the same browser and run, what the
// dashboard already paints for that many rows (test/bench/ui.ts measures it alone).
// The renderer marks "<page>:data" and "<page>:rendered" (renderer/hooks/useRenderTiming.ts); median of RUNS.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Drill } from '../../shared/model';
import { History } from '../../electron/engine/store/history';
import { launchChromium } from '../support/browser';
import { ensureCliBuilt } from '../support/cli';
import { serve } from '../support/serve';
import type { BenchFigure } from './figure';
import { median, timeMarks } from './page-timing';

const DATABASES = 200;
const ROUTINES_PER_DATABASE = 3;
const SOURCES = DATABASES; // each source dumps ROUTINES_PER_DATABASE databases: 600 routines
const RUNS = 9;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const log = (text: string) => process.stderr.write(`[bench:databases-page] ${text}\n`);

const databaseName = (i: number) => `db-${String(i % DATABASES).padStart(3, '0')}`;

/** A plain-format dump as `pg_dump --create` writes it: its header names the database, its tail says it is complete. */
function writeNamedDump(dir: string, database: string, ageMs: number): string {
  const file = join(dir, `${database}-nightly.sql`);
  const head = `--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.18\n-- Dumped by pg_dump version 15.18\n\n--\n-- Name: ${database}; Type: DATABASE; Schema: -; Owner: postgres\n--\n\nCREATE DATABASE ${database};\n`;
  writeFileSync(file, `${head}${'-- filler\n'.repeat(400)}\n--\n-- PostgreSQL database dump complete\n--\n\n`);
  const when = new Date(Date.now() - ageMs);
  utimesSync(file, when, when);
  return file;
}

/** Last week's drills of the source's first database: passing, with a failure now and then. */
function drillsOf(store: History, id: string, file: string, database: string, i: number, now: number): void {
  for (let day = 7; day >= 1; day -= 2) {
    const finishedAt = now - day * DAY;
    const outcome = (i + day) % 9 === 0 ? 'fail' : 'pass';
    const drill: Drill = {
      sourceId: id,
      backupKey: file,
      startedAt: finishedAt - 300_000,
      finishedAt,
      outcome,
      phases: { prepare: 300, restore: 200_000, verify: 40_000, cleanup: 80 },
      restoreMs: outcome === 'pass' ? 240_000 + i * 1000 : null,
      tables: 12,
      rows: 100_000,
      restoredBytes: 5e8,
      checks: [],
      message: outcome === 'pass' ? 'restored 12 tables' : 'pg_restore: error: input file is too short',
      database,
    };
    store.recordDrill(drill);
  }
}

export async function benchDatabasesPage(): Promise<BenchFigure[]> {
  ensureCliBuilt();
  const work = mkdtempSync(join(tmpdir(), 'backup-health-bench-databases-'));
  const now = Date.now();
  try {
    const lines = ['defaults:', '  interval: 1h', 'sources:'];
    const store = History.open(join(work, 'data', 'history.sqlite'));
    for (let i = 0; i < SOURCES; i++) {
      const id = `dumps-${String(i).padStart(3, '0')}`;
      const dir = join(work, 'dumps', id);
      mkdirSync(dir, { recursive: true });
      const files = Array.from({ length: ROUTINES_PER_DATABASE }, (_, k) => writeNamedDump(dir, databaseName(i + k), 3 * HOUR + k * 60_000));
      // Every seventh source is late by its own rule: its databases are not all ok.
      lines.push(`  - { id: ${id}, kind: dump-dir, path: ${dir}, settle: 0s${i % 7 === 3 ? ', maxAge: 2h' : ''} }`);
      if (i % 2 === 0) drillsOf(store, id, files[0]!, databaseName(i), i, now);
    }
    store.close();
    writeFileSync(join(work, 'config.yml'), `${lines.join('\n')}\n`);

    const served = await serve(['--config', join(work, 'config.yml'), '--data', join(work, 'data'), '--port', '0']);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(served.url);
      await page.goto(`${served.origin}/#/databases`);
      // The engine polls every source at start; the page follows until every routine is there.
      await page.waitForFunction(
        ([databases, routines]) => document.querySelectorAll('[data-testid="database-row"]').length === databases && document.querySelectorAll('[data-testid="routine"]').length === routines,
        [DATABASES, DATABASES * ROUTINES_PER_DATABASE],
        { timeout: 120_000, polling: 500 },
      );
      const counts = await page.evaluate(() => ({
        critical: document.querySelectorAll('[data-testid="database-row"][data-status="critical"]').length,
        restored: [...document.querySelectorAll('[data-testid="database-restore"]')].filter((td) => td.textContent?.includes(' from ')).length,
      }));
      log(`${DATABASES} databases, ${DATABASES * ROUTINES_PER_DATABASE} routines on the page; ${counts.critical} critical, ${counts.restored} with a restore`);

      // Interleaved, one of each per round: a busy machine slows both pages alike, and the ratio stays fair.
      const databases: number[] = [];
      const overview: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        await page.goto(`${served.origin}/#/databases`);
        databases.push(await timeMarks(page, 'databases', () => page.reload().then(() => undefined)));
        const routines = await page.locator('[data-testid="routine"]').count();
        if (routines !== DATABASES * ROUTINES_PER_DATABASE) throw new Error(`the Databases page shows ${routines} routines, expected ${DATABASES * ROUTINES_PER_DATABASE}`);
        await page.goto(`${served.origin}/#/`);
        overview.push(await timeMarks(page, 'overview', () => page.reload().then(() => undefined)));
        const rows = await page.locator('[data-testid^="source-row-"]').count();
        if (rows !== SOURCES) throw new Error(`the overview shows ${rows} sources, expected ${SOURCES}`);
      }
      log(`databases page: ${databases.map((t) => t.toFixed(0)).join(', ')} ms`);
      log(`overview (baseline): ${overview.map((t) => t.toFixed(0)).join(', ')} ms`);

      const [d, o] = [median(databases), median(overview)];
      return [
        {
          name: `databases page with ${DATABASES} databases and ${DATABASES * ROUTINES_PER_DATABASE} routines in Chromium: data arrived -> painted, median of ${RUNS}; baseline = the overview of the same ${SOURCES} sources in the same run`,
          value: Math.round(d),
          unit: 'ms',
          baseline: Math.round(o),
          ratio: Number((d / o).toFixed(2)),
          goal: '<= 400 ms',
          pass: d <= 400,
        },
      ];
    } finally {
      await browser.close();
      served.child.kill('SIGTERM');
      await served.exited;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
