// History from the first start (issue 15): a dump directory that already holds four weeks of nightly dumps, watched
// by a new installation. Its first poll sees them all, and the source page's backup-age chart reaches back to the
// oldest, a sawtooth with a 48-hour tooth where a night was missed; after retention deletes the oldest, the chart is
// unchanged (newer dumps exist); after the newest is deleted, the chart measures from the newest that exists from the
// poll that found it gone (issue 17). Real files dated with touch -d, the real dump-dir probe, engine, history and API.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../electron/engine/api-service';
import { loadConfig } from '../../electron/engine/config';
import { Engine } from '../../electron/engine/engine';
import { History } from '../../electron/engine/store/history';
import { writePlainDump } from '../support/plain-dump';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MISSED = 12;
const root = mkdtempSync(join(tmpdir(), 'backup-health-age-history-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A plain dump named for the night `daysAgo`, its mtime set to the whole second `at` with touch -d. */
function dumpOfNight(dir: string, daysAgo: number, at: number): string {
  const file = writePlainDump(dir, `orders-${String(daysAgo).padStart(2, '0')}.sql`, 0, 20_000);
  execFileSync('touch', ['-d', `@${at / 1000}`, file]);
  return file;
}

describe('the backup-age chart of a new installation', () => {
  it('reaches back to the oldest dump at the first poll, keeps its past when retention deletes old dumps, and ages when the newest is deleted', async () => {
    const dumps = join(root, 'dumps');
    mkdirSync(dumps);
    const started = Math.floor(Date.now() / 1000) * 1000;
    // Nightly dumps 1 to 29 days ago, 2 hours earlier than this time of day, except night 12; and tonight's,
    // empty (what a failed pg_dump leaves), which must not count as a backup.
    const finished = new Map<number, number>();
    const files = new Map<number, string>();
    for (let daysAgo = 1; daysAgo <= 29; daysAgo++) {
      if (daysAgo === MISSED) continue;
      const at = started - daysAgo * DAY - 2 * HOUR;
      finished.set(daysAgo, at);
      files.set(daysAgo, dumpOfNight(dumps, daysAgo, at));
    }
    writePlainDump(dumps, 'orders-00.sql', HOUR, 0);

    const configFile = join(root, 'config.yml');
    writeFileSync(configFile, `sources:\n  - { id: orders-dumps, kind: dump-dir, path: ${dumps}, pattern: "*.sql", settle: 0s, maxAge: 26h }\n`);
    const loaded = loadConfig(configFile);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const store = History.open(join(root, 'history.sqlite'));
    try {
      const api = new ApiService({ engine: new Engine({ config: loaded.config, store }), store, configFile });
      await api.pollNow({ id: 'orders-dumps' });
      const firstPoll = store.latestPoll('orders-dumps')!;
      expect(firstPoll.ok).toBe(true);

      const detail = await api.source({ id: 'orders-dumps', range: '30d' });
      const ages = detail.ageSeries;
      // 28 dumps: each one's drop, the 27 peaks between them, and the age at the poll.
      expect(ages).toHaveLength(28 + 27 + 1);
      expect(ages[0]).toEqual({ at: finished.get(29), value: 0 });
      expect(firstPoll.at - ages[0]!.at).toBeGreaterThan(29 * DAY);
      // The night that was missed: the age climbed to 48 hours before night 11's dump.
      expect(ages).toContainEqual({ at: finished.get(MISSED - 1)! - 1, value: 2 * DAY - 1 });
      expect(Math.max(...ages.map((p) => p.value))).toBe(2 * DAY - 1);
      // The empty dump of tonight is no backup: at the poll, the newest readable one is a day and 2 hours old.
      expect(ages.at(-1)).toEqual({ at: firstPoll.at, value: firstPoll.at - finished.get(1)! });
      expect(ages.at(-1)!.value).toBeGreaterThan(26 * HOUR);
      // From polls alone the chart had one point.
      expect(store.polledAgeSeries('orders-dumps', { from: detail.from, to: detail.to, maxPoints: 1000 })).toHaveLength(1);

      // Retention removes the ten oldest; the next poll no longer sees them, the chart still does.
      for (let daysAgo = 20; daysAgo <= 29; daysAgo++) rmSync(files.get(daysAgo)!);
      await api.pollNow({ id: 'orders-dumps' });
      const secondPoll = store.latestPoll('orders-dumps')!;
      expect(secondPoll.at).toBeGreaterThanOrEqual(firstPoll.at);
      const after = (await api.source({ id: 'orders-dumps', range: '30d' })).ageSeries;
      expect(after[0]).toEqual({ at: finished.get(29), value: 0 });
      expect(after.slice(0, -1)).toEqual(ages.slice(0, -1));
      expect(after.at(-1)).toEqual({ at: secondPoll.at, value: secondPoll.at - finished.get(1)! });

      // Last night's dump is deleted (issue 17): the next poll no longer lists it, and from that poll on the chart
      // measures from the night before's, the newest dump that exists, as the live status does.
      rmSync(files.get(1)!);
      await api.pollNow({ id: 'orders-dumps' });
      const thirdPoll = store.latestPoll('orders-dumps')!;
      expect(thirdPoll.ok).toBe(true);
      expect(thirdPoll.newestBackupAt).toBe(finished.get(2));
      const gone = (await api.source({ id: 'orders-dumps', range: '30d' })).ageSeries;
      expect(gone.slice(0, after.length - 1)).toEqual(after.slice(0, -1));
      expect(gone.slice(after.length - 1)).toEqual(
        thirdPoll.at - 1 > secondPoll.at
          ? [
              { at: thirdPoll.at - 1, value: thirdPoll.at - 1 - finished.get(1)! },
              { at: thirdPoll.at, value: thirdPoll.at - finished.get(2)! },
            ]
          : [{ at: thirdPoll.at, value: thirdPoll.at - finished.get(2)! }],
      );
      expect(gone.at(-1)!.value).toBeGreaterThan(2 * DAY);
    } finally {
      store.close();
    }
  });
});
