// One "newest" everywhere, on real pg_dump archives whose mtimes say nothing (a directory copied in one go):
// the probe, the overview and the drill all take the dump pg_dump made last, by its header, here and over
// ssh; and a directory copied in a moment ago is "still being written", not "no file matching".
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config, type DumpDirSourceConfig } from '../../../shared/config';
import { Engine, DrillRequestError } from '../../../electron/engine/engine';
import { ApiService } from '../../../electron/engine/api-service';
import { History } from '../../../electron/engine/store/history';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import { clientOrThrow, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { dumpsMadeInOrder } from '../../support/dump-dates';
import { postgresProcessesUsing } from '../../support/processes';
import { startSshd, type TestSshd } from '../../support/sshd';

const parent = testParentDir('dumpdir-newest');
const drillDir = join(parent, 'drills');
const copied = join(parent, 'copied'); // every dump with one mtime, two hours ago
const fresh = join(parent, 'fresh'); // the same dumps copied in just now
const HOUR = 3_600_000;
/** Made in this order, a second apart: shop-2 is the newest by its header, shop-3 sorts last by name. */
const MADE = ['shop-1.dump', 'shop-3.dump', 'shop-2.dump'];
let sshd: TestSshd;

beforeAll(async () => {
  mkdirSync(drillDir, { mode: 0o755 });
  mkdirSync(copied);
  mkdirSync(fresh);
  await ScratchCluster.with({ parentDir: parent, purpose: 'newest dump test', minMajor: 15 }, async (cluster) => {
    await clientOrThrow(cluster, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE shop']);
    await clientOrThrow(cluster, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'shop', '-c', 'CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 1000) g']);
    await clientOrThrow(cluster, 'pg_dump', ['-Fc', '-f', join(parent, 'shop.dump'), 'shop']);
  });
  // Made a second apart in MADE's order (by their headers), all with one mtime.
  const when = new Date(Date.now() - 2 * HOUR);
  dumpsMadeInOrder(join(parent, 'shop.dump'), copied, MADE, new Date(when.getTime() - 60_000), when);
  sshd = await startSshd();
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

function configWith(sources: Record<string, unknown>[]): Config {
  const parsed = validateConfig({ defaults: { drillDir }, sources });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

function engineFor(sources: Record<string, unknown>[], now?: () => number) {
  const config = configWith(sources);
  const store = History.open(':memory:');
  const engine = new Engine({ config, store, ...(now ? { now } : {}) });
  const api = new ApiService({ engine, store, configFile: join(parent, 'config.yml') });
  return { config, engine, store, api, close: () => (engine.stop(), store.close()) };
}

const shop = (path: string, more: Record<string, unknown> = {}) => ({ id: 'shop', kind: 'dump-dir', path, pattern: 'shop-*.dump', settle: '0s', ...more });
const remote = () => ({ host: sshd.host, sshOptions: sshd.sshOptions });

describe('the newest dump', () => {
  it('is the one pg_dump made last for the probe, the overview and a drill asked for before any poll', async () => {
    const { config, engine, api, close } = engineFor([shop(copied)]);
    try {
      // The probe lists oldest first, by the same definition.
      const observation = await dumpDirProbe.observe(config.sources[0] as DumpDirSourceConfig, { signal: new AbortController().signal, timeoutMs: 30_000, config, now: Date.now });
      expect(observation.backups.map((b) => b.key)).toEqual(['shop-1.dump', 'shop-3.dump', 'shop-2.dump'].map((n) => join(copied, n)));
      expect(new Set(observation.backups.map((b) => b.finishedAt)).size).toBe(1);

      // The dashboard's "Drill now" on a history that has never seen the source: it looks first, then restores.
      const drill = await api.runDrill({ id: 'shop' });
      expect(drill).toMatchObject({ outcome: 'pass', backupKey: join(copied, 'shop-2.dump'), tables: 1, rows: 1000 });
      const overview = await api.overview();
      expect(overview.sources[0]!.newestBackup).toMatchObject({ key: join(copied, 'shop-2.dump'), readable: true });
      expect(engine.summary('shop').lastRestore).toMatchObject({ backupKey: join(copied, 'shop-2.dump') });
    } finally {
      close();
    }
  }, 120_000);

  it('is the same over ssh', async () => {
    const { engine, close } = engineFor([shop(copied, remote())]);
    try {
      const summary = await engine.pollSource('shop');
      expect(summary.findings).toEqual([]);
      expect(summary.newestBackup).toMatchObject({ key: join(copied, 'shop-2.dump') });
    } finally {
      close();
    }
  }, 60_000);
});

describe('a directory copied in a moment ago', () => {
  beforeAll(() => {
    // cp without -p: every file gets the time of the copy, the last one copied the latest.
    for (const name of ['shop-2.dump', 'shop-1.dump', 'shop-3.dump']) copyFileSync(join(copied, name), join(fresh, name));
  });

  it('is unknown, "still being written", not critical "no file matching", and a drill says why it waits', async () => {
    const { engine, api, close } = engineFor([shop(fresh, { settle: '60s' })]);
    try {
      const summary = await engine.pollSource('shop');
      expect(summary.status).toBe('unknown');
      expect(summary.findings).toEqual([
        {
          rule: 'no-backups',
          status: 'unknown',
          message: `no settled backup yet: 3 files matching "shop-*.dump" in ${fresh} changed in the last 1m and are still being written; judged at the first poll after they have been unchanged for 1m (settle)`,
          observed: 0,
          limit: 1,
        },
      ]);
      const refused = await api.runDrill({ id: 'shop' }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(DrillRequestError);
      expect((refused as Error).message).toBe(
        `shop has no backups to restore yet: 3 files matching "shop-*.dump" in ${fresh} changed in the last 1m and are still being written; drill again once they have been unchanged for that long (settle), or lower settle if they are complete`,
      );
    } finally {
      close();
    }
  }, 60_000);

  it('says the same over ssh, naming the host', async () => {
    const { engine, close } = engineFor([shop(fresh, { settle: '60s', ...remote() })]);
    try {
      const summary = await engine.pollSource('shop');
      expect(summary.status).toBe('unknown');
      expect(summary.findings.map((f) => f.message)).toEqual([
        `no settled backup yet: 3 files matching "shop-*.dump" in ${fresh} on ${sshd.host} changed in the last 1m and are still being written; judged at the first poll after they have been unchanged for 1m (settle)`,
      ]);
    } finally {
      close();
    }
  }, 60_000);

  it('once settled, its newest is still the one pg_dump made last, not the one copied last', async () => {
    const { engine, close } = engineFor([shop(fresh, { settle: '60s' })], () => Date.now() + 2 * 60_000);
    try {
      const summary = await engine.pollSource('shop');
      expect(summary).toMatchObject({ status: 'ok', findings: [], newestBackup: { key: join(fresh, 'shop-2.dump') } });
    } finally {
      close();
    }
  }, 60_000);
});
