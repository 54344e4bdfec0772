// The recovery point and the recoverable window, seen: `backup-health serve` over a real basebackup source (a
// scratch primary archiving with cp, a pg_basebackup run), its history given a month of polls built from a real
// poll's WAL summary (four days of it with segments missing) and drills recorded as `backup-health drill` records
// them. Opened in Debian's Chromium; the screenshot lands in test-results/e2e/source-basebackup.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseBackupMetrics, Drill, DrillRecovery } from '../../shared/model';
import { History } from '../../electron/engine/store/history';
import type { PollEntry } from '../../electron/engine/store/types';
import { startBaseBackupSetup, type BaseBackupSetup } from '../support/basebackup-fixtures';
import { ensureCliBuilt, runCli } from '../support/cli';
import { removeTestParentDir, testParentDir } from '../support/postgres-fixtures';
import { closeDashboard, openDashboard, type Served } from '../support/serve';

const SHOTS = 'test-results/e2e';
const parent = testParentDir('e2e-recovery');
const data = join(parent, 'data');
const configFile = join(parent, 'config.yml');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
let setup: BaseBackupSetup;
let served: Served;
let browser: Browser;
let page: Page;

function drill(finishedAt: number, outcome: Drill['outcome'], pointMs: number | null, backupKey: string): Drill {
  const startedAt = finishedAt - 2 * MINUTE;
  const recovery: DrillRecovery | undefined =
    pointMs === null
      ? undefined
      : { mode: 'end-of-archive', recoveredTo: startedAt - pointMs, lastCommitAt: startedAt - pointMs, lastReplayedLsn: '0/5000148', lastReplayedSegment: '000000010000000000000005', lastSegmentArchivedAt: startedAt - pointMs, recoveryPointMs: pointMs, walReplayed: 40, replayMs: 30_000 };
  return {
    sourceId: 'orders-base',
    backupKey,
    startedAt,
    finishedAt,
    outcome,
    phases: { restore: 40_000, replay: 30_000, verify: 5_000 },
    restoreMs: outcome === 'pass' ? 75_000 + (pointMs ?? 0) / 100 : null,
    tables: 1,
    rows: 300,
    restoredBytes: 40_000_000,
    checks: [],
    message: outcome === 'pass' ? 'restored and replayed to the end of the archive' : 'recovery stopped before 000000010000000000000004: it is missing from the archive',
    ...(recovery ? { recovery } : {}),
  };
}

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  setup = await startBaseBackupSetup({ parentDir: parent });
  await setup.writeLoad(200);
  const backup = await setup.backup({ format: 'tar' });
  await setup.writeLoad(100);
  await setup.switchAndWait();
  writeFileSync(configFile, `sources:\n  - id: orders-base\n    name: Orders base backups\n    kind: basebackup\n    path: ${setup.basePath}\n    walArchive: ${setup.walArchive}\n    maxAge: 30d\n    maxArchiveAge: 30d\n    maxRecoveryPoint: 15m\n`);
  // A real poll of the real archive, by `check` as cron would run it.
  expect((await runCli(['check', '--config', configFile, '--data', data])).stderr).toBe('');

  const history = History.open(join(data, 'history.sqlite'));
  try {
    const real = history.latestPoll('orders-base');
    const metrics = real?.metrics as BaseBackupMetrics | null;
    expect(metrics?.walArchive?.windows.length).toBeGreaterThan(0);
    const summary = metrics!.walArchive!;
    const now = real!.at;
    // A month of hourly polls before it, the archive growing with each, four days of it 14 segments short.
    const entries: PollEntry[] = [];
    const start = now - 30 * DAY;
    for (let at = start; at < now - HOUR; at += HOUR) {
      const gap = at > now - 14 * DAY && at < now - 10 * DAY;
      const newest = at - 3 * MINUTE;
      const walArchive = {
        ...summary,
        newestArchivedAt: newest,
        missingSegments: gap ? 14 : 0,
        gapCount: gap ? 1 : 0,
        gaps: gap ? [{ after: '000000010000000000000003', afterArchivedAt: now - 14 * DAY - 2 * HOUR, missing: 14, firstMissing: '000000010000000000000004' }] : [],
        windows: summary.windows.map((w) => ({ ...w, fromArchivedAt: start - 2 * DAY, toArchivedAt: newest })),
      };
      // A nightly base backup before each poll, as the age chart expects of a source polled for a month.
      entries.push({ poll: { ...real!, at, newestBackupAt: at - (at % DAY) - 2 * HOUR, metrics: { ...metrics!, walArchive, newestSegmentAt: newest } }, backups: [] });
    }
    history.recordPolls(entries);
    const key = backup.label;
    for (const [daysAgo, outcome, pointMs] of [
      [26, 'pass', 4 * MINUTE],
      [19, 'pass', 3 * MINUTE],
      [12, 'fail', null],
      [11, 'pass', 3 * HOUR],
      [5, 'pass', 2 * MINUTE],
      [1, 'pass', 90_000],
    ] as const) {
      history.recordDrill(drill(now - daysAgo * DAY, outcome, pointMs, key));
    }
  } finally {
    history.close();
  }

  ({ served, browser, page } = await openDashboard(['--config', configFile, '--data', data, '--port', '0']));
}, 240_000);

afterAll(async () => {
  await closeDashboard({ served, browser });
  await setup?.stop();
  removeTestParentDir(parent);
});

describe('the recovery point in Chromium', () => {
  it('overview: the last restore says the recovery point reached', async () => {
    await page.getByTestId('source-table').waitFor();
    await expect.poll(() => page.getByTestId('recovery-orders-base').textContent(), { timeout: 10_000 }).toBe(', to 1m 30s behind');
  });

  it('source page: the recovery-point chart with its target and breach, the window band with its gap, the archive in words', async () => {
    await page.goto(`${served.origin}/#/source/orders-base`);
    await page.getByTestId('source-page').waitFor();
    const chart = page.getByTestId('recovery-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-points')).toBe('6');
    expect(await chart.getAttribute('data-breaches')).toBe('1');
    expect(await chart.getAttribute('data-failed')).toBe('1');
    expect(await chart.locator('.recovery-target line').count()).toBe(1);
    expect(await chart.locator('.recovery-breach').count()).toBe(1);
    expect(await chart.locator('circle.recovery-dot').count()).toBe(5);
    expect(await chart.locator('.failed-drill-mark').count()).toBe(1);
    expect(await chart.locator('.restore-time-chart circle.restore-time-dot').count()).toBe(5);

    const window = page.getByTestId('window-chart');
    expect(Number(await window.getAttribute('data-points'))).toBeGreaterThan(300);
    expect(await window.getAttribute('data-gaps')).toBe('1');
    expect(await window.locator('.window-band .recharts-area-area').count()).toBe(1);
    expect(await window.locator('.gap-span').count()).toBe(1);
    expect(await window.locator('.gap-mark').count()).toBeGreaterThan(0);
    // The band is drawn with a height: a real box on the page, not an empty path.
    const box = await window.locator('.window-band .recharts-area-area').boundingBox();
    expect(box!.height).toBeGreaterThan(20);

    // The newest poll was the real one: its archive has no gap.
    const facts = page.getByTestId('wal-facts');
    expect(await facts.getByTestId('wal-newest').textContent()).toMatch(/^Newest segment [0-9A-F]{24} archived /);
    expect(await facts.getByTestId('wal-gap').count()).toBe(0);
    expect(await facts.getByTestId('wal-window').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('last-restore').textContent()).toContain('restored to 1m 30s behind');
    await page.screenshot({ path: join(SHOTS, 'source-basebackup.png'), fullPage: true });
  });
});
