// Restore drills of real borg archives: extract, borg check, files against the archive's stats, and the pg_dump
// inside restored into a scratch cluster; a corrupt segment makes the drill fail; nothing is left behind.
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillProgress, ObservedBackup } from '../../../shared/model';
import { borgProbe } from '../../../electron/engine/sources/borg/index';
import { borgConfig, borgDrillContext, borgDrillTrees, borgJob, corruptBiggestSegment, writeOrdersBackupTree } from '../../support/borg-fixtures';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { expectPostgresToolVersion, expectToolVersion, postgresToolOf } from '../../support/tool-version';
import { TAR } from '../../../electron/engine/drills/drill-jail';

const PASSPHRASE = 'drill passphrase';
const root = testParentDir('borg-drill');
const drillDir = testParentDir('borg-drill-scratch');
const repo = join(root, 'repo');
const passwordFile = join(root, 'pass');
const { borg } = borgJob(join(root, 'job-borg'), PASSPHRASE);

function parsed() {
  return borgConfig({ repo, passwordFile, drill: { jobs: 2, checks: [{ name: 'customers', sql: 'select count(*) = 500 from customers' }] } }, { drillDir });
}

async function drill(key: string, progress: DrillProgress[] = []) {
  const { config, source } = parsed();
  const observation = await borgProbe.observe(source, probeContext({ config }));
  const backup = observation.backups.find((b) => b.key === key) as ObservedBackup;
  return borgProbe.drill!(source, backup, borgDrillContext(config, progress));
}

beforeAll(async () => {
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  writeFileSync(passwordFile, PASSPHRASE, { mode: 0o600 });
  const backupDir = join(root, 'backup');
  await writeOrdersBackupTree(root, backupDir);
  await borg(['init', '--encryption=repokey', repo]);
  await borg(['create', `${repo}::nightly-1`, '.'], backupDir);
  const docs = join(root, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'notes.txt'), 'no database here\n');
  // borg counts neither a symlink nor a second hard link among its files: the drill must count the same way.
  symlinkSync('notes.txt', join(docs, 'latest'));
  linkSync(join(docs, 'notes.txt'), join(docs, 'notes-link.txt'));
  await borg(['create', `${repo}::docs-1`, '.'], docs);
}, 60_000);

afterAll(() => {
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(borgDrillTrees(drillDir)).toEqual([]);
  removeTestParentDir(drillDir);
  removeTestParentDir(root);
});

describe('a borg restore drill', () => {
  it('extracts the archive, checks it and restores the pg_dump inside', async () => {
    const progress: DrillProgress[] = [];
    const result = await drill('nightly-1', progress);
    expect(result.message).toMatch(/^nightly-1 extracted and checked \(2 files, .*\); pg\/orders\.dump: /);
    expect(result).toMatchObject({ outcome: 'pass', sourceId: 'orders-borg', backupKey: 'nightly-1', tables: 1, rows: 500 });
    expect(result.checks).toMatchObject([{ name: 'customers', passed: true }]);
    expect(Object.keys(result.phases).sort()).toEqual(['cleanup', 'prepare', 'restore', 'verify']);
    expect(result.restoreMs).toBeGreaterThan(0);
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['prepare', 'restore', 'verify', 'cleanup']));
    expect(progress.every((p) => p.backupKey === 'nightly-1')).toBe(true);
    expect(borgDrillTrees(drillDir)).toEqual([]);
    // The evidence: the versions of borg, of the tar that unpacked its export, and of the dump drill's pg_restore.
    const { tools, scratchServer } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['borg', 'pg_restore', 'tar']);
    await expectToolVersion(tools.borg, 'borg');
    await expectToolVersion(tools.tar, TAR);
    await expectPostgresToolVersion(tools.pg_restore, await postgresToolOf(scratchServer, 'pg_restore'));
  });

  it('passes an archive without a dump on its files alone, and says so', async () => {
    const result = await drill('docs-1');
    expect(result).toMatchObject({ outcome: 'pass', tables: 0 });
    expect(result.message).toMatch(/^docs-1 extracted and checked \(1 file, 17 bytes\)/);
    expect(result.message).toContain('holds no pg_dump output, so no database was restored');
  });

  it('fails when a segment of the repository is corrupt', async () => {
    const { config, source } = parsed();
    const observation = await borgProbe.observe(source, probeContext({ config })); // seen before the damage
    corruptBiggestSegment(repo);
    const result = await borgProbe.drill!(source, observation.backups.find((b) => b.key === 'nightly-1')!, borgDrillContext(config));
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^borg (extract|check|info) of nightly-1 .*Data integrity error/);
    expect(result.message).not.toContain(PASSPHRASE);
    expect(borgDrillTrees(drillDir)).toEqual([]);
  });
});
