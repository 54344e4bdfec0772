// Dashboard rendering in Debian's Chromium against a real `backup-health serve`:
// 1. the overview with 200 sources, from its data arriving to the painted page — goal <= 400 ms;
// 2. a source page with one year of history (5-minute polls, daily backups, weekly drills), the same — goal <= 300 ms.
// The renderer marks "<page>:data" and "<page>:rendered" (renderer/hooks/useRenderTiming.ts); median of 5.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Drill, ObservedBackup, Poll } from '../../shared/model';
import { History } from '../../electron/engine/store/history';
import type { PollEntry } from '../../electron/engine/store/types';
import { launchChromium } from '../support/browser';
import { ensureCliBuilt } from '../support/cli';
import { writePlainDump } from '../support/plain-dump';
import { serve } from '../support/serve';
import type { BenchFigure } from './figure';
import { median, timeMarks } from './page-timing';

const SOURCES = 200;
const RUNS = 5;
const MINUTE = 60_000;
const DAY = 86_400_000;
const log = (text: string) => process.stderr.write(`[bench:ui] ${text}\n`);

function poll(sourceId: string, at: number, newestBackupAt: number): Poll {
  return { sourceId, at, durationMs: 12, ok: true, error: null, metrics: { kind: 'dump-dir', fileCount: 3, totalBytes: 3e6, inProgress: 0 }, newestBackupAt, newestBackupSize: 1e6, storedBytes: 3e6, status: 'ok' };
}

function backup(dir: string, finishedAt: number, sizeBytes: number): ObservedBackup {
  return { key: join(dir, `dump-${finishedAt}.sql`), type: 'dump', finishedAt, sizeBytes, readable: sizeBytes > 0, meta: {} };
}

/** A year of one source's life: a poll every 5 minutes, a dump every night (a few failed), a drill every week. */
function yearOfHistory(store: History, id: string, dir: string, now: number): void {
  const start = now - 365 * DAY;
  let entries: PollEntry[] = [];
  let newest = start - DAY;
  for (let at = start; at < now; at += 5 * MINUTE) {
    const backups: ObservedBackup[] = [];
    if (at - newest >= DAY) {
      newest = at;
      const day = Math.floor((at - start) / DAY);
      backups.push(backup(dir, at, day % 97 === 13 ? 0 : 800e6 + day * 1e6));
    }
    entries.push({ poll: poll(id, at, newest), backups });
    if (entries.length === 10_000) {
      store.recordPolls(entries);
      entries = [];
    }
  }
  store.recordPolls(entries);
  for (let at = start + 3 * DAY; at < now; at += 7 * DAY) {
    const outcome = Math.floor((at - start) / DAY) % 11 === 5 ? 'fail' : 'pass';
    const drill: Drill = { sourceId: id, backupKey: join(dir, 'dump.sql'), startedAt: at - 600_000, finishedAt: at, outcome, phases: { prepare: 300, restore: 500_000, verify: 60_000, cleanup: 80 }, restoreMs: 560_000, tables: 40, rows: 9e6, restoredBytes: 2e9, checks: [], message: outcome };
    store.recordDrill(drill);
  }
}

export async function benchUi(): Promise<BenchFigure[]> {
  ensureCliBuilt();
  const work = mkdtempSync(join(tmpdir(), 'backup-health-bench-ui-'));
  const now = Date.now();
  try {
    const lines = ['defaults:', '  interval: 1h', 'sources:'];
    const store = History.open(join(work, 'data', 'history.sqlite'));
    for (let i = 0; i < SOURCES; i++) {
      const id = i === 0 ? 'big' : `db-${String(i).padStart(3, '0')}`;
      const dir = join(work, 'dumps', id);
      mkdirSync(dir, { recursive: true });
      for (let d = 0; d < 3; d++) writePlainDump(dir, `nightly-${d}.sql`, (d + 1) * DAY - 3_600_000, 10_000 + i);
      lines.push(`  - { id: ${id}, kind: dump-dir, path: ${dir}, settle: 0s, drill: { every: 7d } }`);
      if (i > 0) store.recordPolls([{ poll: poll(id, now - MINUTE, now - DAY), backups: [backup(dir, now - DAY, 1e6 + i)] }]);
    }
    log('writing a year of history for one source …');
    yearOfHistory(store, 'big', join(work, 'dumps', 'big'), now);
    store.close();
    writeFileSync(join(work, 'config.yml'), `${lines.join('\n')}\n`);

    const served = await serve(['--config', join(work, 'config.yml'), '--data', join(work, 'data'), '--port', '0']);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(served.url);
      await page.getByTestId('source-table').waitFor();
      const overview: number[] = [];
      for (let i = 0; i < RUNS; i++) overview.push(await timeMarks(page, 'overview', () => page.reload().then(() => undefined)));
      const rows = await page.locator('[data-testid^="source-row-"]').count();
      if (rows !== SOURCES) throw new Error(`the overview shows ${rows} sources, expected ${SOURCES}`);
      log(`overview: ${overview.map((t) => t.toFixed(0)).join(', ')} ms`);

      await page.goto(`${served.origin}/#/source/big`);
      await page.getByTestId('source-page').waitFor();
      const source: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        await page.getByRole('button', { name: '30 days' }).click();
        await page.waitForFunction(() => document.querySelector('[data-testid="age-chart"]') !== null);
        source.push(await timeMarks(page, 'source', () => page.getByRole('button', { name: '1 year' }).click()));
      }
      const points = Number(await page.getByTestId('age-chart').getAttribute('data-points'));
      log(`source page (1 year, ${points} age points): ${source.map((t) => t.toFixed(0)).join(', ')} ms`);
      const [o, s] = [median(overview), median(source)];
      return [
        { name: `overview with ${SOURCES} sources in Chromium: data arrived -> painted, median of ${RUNS}`, value: Math.round(o), unit: 'ms', goal: '<= 400 ms', pass: o <= 400 },
        { name: `source page with one year of history (${points} backup-age points, 365 backups, 52 drills) in Chromium: data arrived -> painted, median of ${RUNS}`, value: Math.round(s), unit: 'ms', goal: '<= 300 ms', pass: s <= 300 },
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
