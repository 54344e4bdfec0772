// Drills run by the engine: scheduled from drill.every, one at a time by default, never two for one source,
// recorded, and carried into the source summary as the last successful restore.
import { copyFileSync, existsSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../shared/config';
import type { DrillProgress } from '../../shared/model';
import { Engine } from '../../electron/engine/engine';
import { ScratchCluster, runClient } from '../../electron/engine/drills/scratch-cluster';
import { History } from '../../electron/engine/store/history';
import { removeTestParentDir, scratchDirsIn, sql, testParentDir, waitFor } from '../support/postgres-fixtures';
import { postgresProcessesUsing } from '../support/processes';

const parent = testParentDir('engine-drills');
const drillDir = join(parent, 'drills');
let source: ScratchCluster;

beforeAll(async () => {
  mkdirSync(drillDir, { recursive: true, mode: 0o755 });
  source = await ScratchCluster.start({ parentDir: parent, purpose: 'engine drill source' });
  await sql(source, 'CREATE DATABASE shop;');
  await sql(source, 'CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 5000) g;', 'shop');
  for (const dir of ['a', 'b']) {
    mkdirSync(join(parent, dir));
    const file = join(parent, dir, 'shop.dump');
    const dump = await runClient(source, 'pg_dump', ['-Fc', '-f', file, 'shop']);
    expect(dump.code, dump.stderr).toBe(0);
    const when = new Date(Date.now() - 3_600_000);
    utimesSync(file, when, when);
  }
});

afterAll(async () => {
  await source?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

function engineFor(name: string) {
  const parsed = validateConfig({
    defaults: { drillDir },
    sources: ['a', 'b'].map((id) => ({ id, kind: 'dump-dir', path: join(parent, id), settle: '0s', drill: { every: '1h', checks: [{ sql: 'select count(*) = 5000 from items' }] } })),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const store = History.open(join(parent, `${name}.sqlite`));
  const engine = new Engine({ config: parsed.config as Config, store, drillStartDelayMs: 0 });
  const progress: DrillProgress[] = [];
  engine.subscribe((e) => e.type === 'drill-progress' && progress.push(e.progress));
  return { engine, store, progress };
}

describe('engine drills', () => {
  it('runs scheduled drills one at a time and records them', async () => {
    const { engine, store, progress } = engineFor('scheduled');
    await engine.start();
    await waitFor('both scheduled drills', () => store.drills('a').length > 0 && store.drills('b').length > 0, { timeoutMs: 60_000 });
    engine.stop();
    expect([store.drills('a')[0]!.outcome, store.drills('b')[0]!.outcome]).toEqual(['pass', 'pass']);
    // One at a time: all of one drill's progress comes before any of the other's.
    const order = progress.map((p) => p.sourceId).filter((id, i, all) => id !== all[i - 1]);
    expect(order).toHaveLength(2);
    const [first, second] = [store.drills(order[0]!)[0]!, store.drills(order[1]!)[0]!];
    expect(first.finishedAt).toBeLessThanOrEqual(second.startedAt);
    expect(engine.summary('a').lastRestore).toEqual({ at: store.drills('a')[0]!.finishedAt, restoreMs: expect.any(Number), backupKey: join(parent, 'a', 'shop.dump'), sandboxed: existsSync('/usr/bin/bwrap') });
    store.close();
  });

  it('never runs two drills of the same source: a second request joins the first', async () => {
    const { engine, store } = engineFor('joined');
    await engine.pollAll();
    const [one, two] = await Promise.all([engine.runDrill('a'), engine.runDrill('a')]);
    expect(one.id).toBe(two.id);
    expect(store.drills('a')).toHaveLength(1);
    expect(engine.summary('a')).toMatchObject({ status: 'ok', lastRestore: { backupKey: join(parent, 'a', 'shop.dump') } });
    engine.stop();
    store.close();
  });

  it('drills the newest backup still there, not one deleted since a poll stored it', async () => {
    const { engine, store } = engineFor('deleted');
    const older = join(parent, 'b', 'shop.dump');
    const newer = join(parent, 'b', 'shop-newer.dump');
    copyFileSync(older, newer);
    const soon = new Date(Date.now() - 1_800_000);
    utimesSync(newer, soon, soon);
    try {
      await engine.pollAll();
      expect(store.backups('b', {}).map((b) => b.key)).toEqual([newer, older]);
      rmSync(newer); // deleted after the poll stored it: the drill's own poll finds it gone
      const drill = await engine.runDrill('b');
      expect(drill.outcome, drill.message).toBe('pass');
      expect(drill.backupKey).toBe(older);
      expect(store.backups('b', {}).find((b) => b.key === newer)?.goneAt).toEqual(expect.any(Number));
    } finally {
      rmSync(newer, { force: true });
      engine.stop();
      store.close();
    }
  });
});
