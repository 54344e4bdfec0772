// Base backup drills of compressed runs and a compressed archive: tar runs written with --compress=zstd and lz4
// (where this pg_basebackup can) are unpacked with their own compression in the sandbox, and segments archived
// as .zst are decompressed by restore_command as they are replayed, to the last commit; the drill records the
// decompressors' versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type BaseBackupSourceConfig } from '../../../shared/config';
import { basebackupProbe } from '../../../electron/engine/sources/basebackup/index';
import { runBaseBackupDrill } from '../../../electron/engine/sources/basebackup/drill';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { startBaseBackupSetup, type BaseBackupCompression, type BaseBackupSetup } from '../../support/basebackup-fixtures';
import { postgresProcessesUsing } from '../../support/processes';
import { expectToolVersion } from '../../support/tool-version';

const sourceParent = testParentDir('bbz-src');
const drillParent = testParentDir('bbz-runs');
let setup: BaseBackupSetup;
const labels = new Map<BaseBackupCompression, string>();
let lastCommitAt = 0;

beforeAll(async () => {
  setup = await startBaseBackupSetup({ parentDir: sourceParent, zstdArchive: true });
  await setup.writeLoad(300);
  for (const compression of ['zstd', 'lz4'] as const) {
    if (await setup.supportsCompression(compression)) labels.set(compression, (await setup.backup({ format: 'tar', compression })).label);
  }
  await setup.writeLoad(200);
  lastCommitAt = (await setup.switchAndWait()).lastCommitAt;
}, 240_000);

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('base backup drills of compressed runs and a .zst archive', () => {
  it('zstd and lz4 tar runs replay the .zst archive to the last commit', async () => {
    expect(labels.size, 'this pg_basebackup compresses with neither zstd nor lz4: the test proves nothing').toBeGreaterThan(0);
    const parsed = validateConfig({ defaults: { drillDir: drillParent }, sources: [{ id: 'orders-base', kind: 'basebackup', path: setup.basePath, walArchive: setup.walArchive }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const source = parsed.config.sources[0] as BaseBackupSourceConfig;
    const backups = (await basebackupProbe.observe(source, probeContext({ timeoutMs: 60_000 }))).backups;
    for (const [compression, label] of labels) {
      const backup = backups.find((b) => b.key === label)!;
      const drill = await runBaseBackupDrill(source, backup, { signal: new AbortController().signal, timeoutMs: 180_000, config: parsed.config, now: Date.now, onProgress: () => {} });
      expect(drill.outcome, `${compression}: ${drill.message}`).toBe('pass');
      expect(drill.tableDetails?.find((t) => t.name === 'orders')?.rows).toBe(500);
      expect(Math.abs(drill.recovery!.lastCommitAt! - lastCommitAt)).toBeLessThan(1000);
      expect(scratchDirsIn(drillParent)).toEqual([]);
      expect(postgresProcessesUsing(drillParent)).toEqual([]);
      // The decompressors that ran, as each prints its version: the run's (by tar) and the archive's zstd.
      const { tools } = drill.provenance!;
      expect(Object.keys(tools)).toEqual(expect.arrayContaining(['tar', compression, 'zstd']));
      await expectToolVersion(tools[compression], compression);
      await expectToolVersion(tools.zstd, 'zstd');
    }
  }, 300_000);
});
