// `backup-health drill` and `check` on a fresh --data dir, as a new user runs them: the drill looks at the source
// itself (no check first), restores the dump pg_dump made last although every file has one mtime, and check and
// --backup name the same one; a directory copied in a moment ago is "still being written", for both commands.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { clientOrThrow, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { dumpsMadeInOrder } from '../../support/dump-dates';
import { postgresProcessesUsing } from '../../support/processes';

const parent = testParentDir('cli-drill-newest');
const drillDir = join(parent, 'drills');
const copied = join(parent, 'copied');
const fresh = join(parent, 'fresh');
const HOUR = 3_600_000;
/** Made in this order, a second apart: shop-2 is the newest by its header, shop-3 sorts last by name. */
const MADE = ['shop-1.dump', 'shop-3.dump', 'shop-2.dump'];
let configFile: string;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(drillDir, { mode: 0o755 });
  mkdirSync(copied);
  mkdirSync(fresh);
  await ScratchCluster.with({ parentDir: parent, purpose: 'cli newest dump test', minMajor: 15 }, async (cluster) => {
    await clientOrThrow(cluster, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE shop']);
    await clientOrThrow(cluster, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'shop', '-c', 'CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 1000) g']);
    await clientOrThrow(cluster, 'pg_dump', ['-Fc', '-f', join(parent, 'shop.dump'), 'shop']);
  });
  // Made a second apart in MADE's order (by their headers), all with one mtime.
  const when = new Date(Date.now() - 2 * HOUR);
  dumpsMadeInOrder(join(parent, 'shop.dump'), copied, MADE, new Date(when.getTime() - 60_000), when);
  for (const name of MADE) copyFileSync(join(copied, name), join(fresh, name)); // just now, as cp does
  configFile = join(parent, 'config.yml');
  writeFileSync(
    configFile,
    `defaults:
  drillDir: ${drillDir}
sources:
  - id: shop
    kind: dump-dir
    path: ${copied}
    pattern: "shop-*.dump"
    settle: 0s
  - id: shop-fresh
    kind: dump-dir
    path: ${fresh}
    pattern: "shop-*.dump"
    settle: 60s
`,
  );
}, 120_000);

afterAll(() => {
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

const cli = (data: string, ...args: string[]) => runCli([...args, '--config', configFile, '--data', data]);

describe('drill on a fresh --data dir', () => {
  it('looks at the source itself and restores the dump pg_dump made last; check and --backup agree', async () => {
    const data = join(parent, 'data-first-drill');
    const drill = await cli(data, 'drill', '--source', 'shop', '--json');
    expect(drill.code, drill.stderr).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({ outcome: 'pass', backupKey: join(copied, 'shop-2.dump'), tables: 1, rows: 1000 });

    const check = await cli(data, 'check', '--json');
    const shop = JSON.parse(check.stdout).sources.find((s: { id: string }) => s.id === 'shop');
    expect(shop).toMatchObject({ status: 'ok', newestBackup: { key: join(copied, 'shop-2.dump') } });

    const named = await cli(data, 'drill', '--source', 'shop', '--backup', 'shop-2.dump', '--json');
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ outcome: 'pass', backupKey: join(copied, 'shop-2.dump') });
  }, 180_000);

  it('a directory copied in a moment ago: check says the files are still being written (unknown), drill says why it waits', async () => {
    const data = join(parent, 'data-fresh');
    const expected = `3 files matching "shop-*.dump" in ${fresh} changed in the last 1m and are still being written`;
    const drill = await cli(data, 'drill', '--source', 'shop-fresh');
    expect(drill.code).toBe(3);
    expect(drill.stderr).toContain(`shop-fresh has no backups to restore yet: ${expected}; drill again once they have been unchanged for that long (settle), or lower settle if they are complete`);
    expect(drill.stdout).toBe('');

    const check = await cli(data, 'check', '--json');
    expect(check.code).toBe(3); // unknown: nothing critical, the copied source cannot be judged yet
    const source = JSON.parse(check.stdout).sources.find((s: { id: string }) => s.id === 'shop-fresh');
    expect(source).toMatchObject({
      status: 'unknown',
      findings: [{ rule: 'no-backups', status: 'unknown', message: `no settled backup yet: ${expected}; judged at the first poll after they have been unchanged for 1m (settle)` }],
      newestBackup: null,
    });
  }, 120_000);
});
