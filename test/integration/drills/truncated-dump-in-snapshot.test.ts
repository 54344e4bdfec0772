// A borg archive and a restic snapshot that are perfectly sound, holding a pg_dump cut in half (the dump job
// died mid-write, or the disk filled, and the backup job saved what was there). borg check and restic check find
// nothing wrong, the files match the archive, and pg_restore --list accepts the cut file: only restoring it shows
// the backup is useless. The drill must fail saying which dump, and leave nothing behind.
import { readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../shared/config';
import { validateConfig, type ResticSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { run } from '../../../electron/engine/exec';
import { DRILL_DIR_PREFIXES } from '../../../electron/engine/drills/drill-dirs';
import { borgProbe } from '../../../electron/engine/sources/borg/index';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import { borgConfig, borgDrillContext, borgJob, writeOrdersBackupTree } from '../../support/borg-fixtures';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { restic } from '../../support/restic-fixtures';

const PASSWORD = 'truncated dump passphrase';
const root = testParentDir('truncated-dump');
const drillDir = testParentDir('truncated-dump-scratch');
const backupDir = join(root, 'backup');
const passwordFile = join(root, 'pass');
const borgRepo = join(root, 'borg-repo');
const resticRepo = join(root, 'restic-repo');
const resticJob = { passwordFile, cacheDir: join(root, 'restic-job-cache') };
let xdgCache: string | undefined;

const drillTrees = () => readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)));

beforeAll(async () => {
  xdgCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'xdg-cache');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  await writeOrdersBackupTree(root, backupDir); // pg/orders.dump (pg_dump -Fc, 500 customers) and a README
  const dump = join(backupDir, 'pg', 'orders.dump');
  truncateSync(dump, Math.floor(statSync(dump).size / 2));
  const list = await run('pg_restore', ['--list', dump]);
  expect(list.code).toBe(0); // the cut file still lists: only a restore tells

  const { borg } = borgJob(join(root, 'borg-job'), PASSWORD);
  await borg(['init', '--encryption=repokey', borgRepo]);
  await borg(['create', `${borgRepo}::nightly-1`, '.'], backupDir);
  await restic(resticJob, resticRepo, ['init']);
  await restic(resticJob, resticRepo, ['backup', backupDir]);
}, 120_000);

afterAll(() => {
  if (xdgCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = xdgCache;
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(drillTrees()).toEqual([]);
  removeTestParentDir(drillDir);
  removeTestParentDir(root);
});

describe('a sound archive holding a truncated pg_dump', () => {
  it('borg: the archive extracts and checks clean, the restore of pg/orders.dump fails, nothing is left', async () => {
    const { config, source } = borgConfig({ repo: borgRepo, passwordFile, drill: { jobs: 2 } }, { drillDir });
    const { backups } = await borgProbe.observe(source, probeContext({ config }));
    const archive = backups.find((b) => b.key === 'nightly-1') as ObservedBackup;
    expect(archive.readable).toBe(true);
    const result = await borgProbe.drill!(source, archive, borgDrillContext(config));
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^nightly-1 extracted and checked \(2 files, [^)]+\); pg\/orders\.dump: the backup is truncated or corrupt: /);
    expect(result.phases.restore).toBeGreaterThan(0);
    expect(drillTrees()).toEqual([]);
    expect(scratchDirsIn(drillDir)).toEqual([]);
  });

  it('restic: the snapshot restores and checks clean, the restore of orders.dump fails, nothing is left', async () => {
    const { config, source } = resticParsed();
    const { backups } = await resticProbe.observe(source, probeContext({ config, timeoutMs: 20_000 }));
    expect(backups).toHaveLength(1);
    expect(backups[0]!.readable).toBe(true);
    const result = await resticProbe.drill!(source, backups[0]!, { signal: new AbortController().signal, timeoutMs: 120_000, config, now: () => Date.now(), onProgress: () => {} });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^snapshot [0-9a-f]{8} restored \([^)]+\) and restic check passed; dump \S*pg\/orders\.dump: the backup is truncated or corrupt: /);
    expect(result.checks.map((c) => [c.name, c.passed])).toEqual([
      ['restored files match restic ls', true],
      ['restic check', true],
    ]);
    expect(drillTrees()).toEqual([]);
    expect(scratchDirsIn(drillDir)).toEqual([]);
  });
});

function resticParsed(): { config: Config; source: ResticSourceConfig } {
  const parsed = validateConfig({ defaults: { drillDir }, sources: [{ id: 'orders-restic', kind: 'restic', repo: resticRepo, passwordFile, drill: { jobs: 2, readDataSubset: '100%' } }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { config: parsed.config, source: parsed.config.sources[0] as ResticSourceConfig };
}
