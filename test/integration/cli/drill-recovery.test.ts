// `backup-health drill` of a basebackup source, as a user runs it: the text says how recent a point the restore
// reached and the last segment replayed; --json carries recoveredTo, lastCommitAt, recoveryPointMs and
// walReplayed; the drill is kept in the history with what it reached.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../../electron/engine/store/history';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { startBaseBackupSetup, type BaseBackupSetup, type SwitchedSegment } from '../../support/basebackup-fixtures';
import { postgresProcessesUsing } from '../../support/processes';

const parent = testParentDir('cli-drill-recovery');
const drillDir = join(parent, 'drills');
let setup: BaseBackupSetup;
let last: SwitchedSegment;
let configFile: string;
const cli = (...args: string[]) => runCli([...args, '--config', configFile, '--data', join(parent, 'data')]);

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(drillDir, { mode: 0o755 });
  setup = await startBaseBackupSetup({ parentDir: parent });
  await setup.writeLoad(200);
  await setup.backup({ format: 'tar' });
  await setup.writeLoad(100);
  last = await setup.switchAndWait();
  configFile = join(parent, 'config.yml');
  writeFileSync(configFile, `defaults:\n  drillDir: ${drillDir}\nsources:\n  - id: orders-base\n    kind: basebackup\n    path: ${setup.basePath}\n    walArchive: ${setup.walArchive}\n    maxRecoveryPoint: 1h\n`);
}, 240_000);

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('drill of a base backup from the CLI', () => {
  it('says to when it restores, and --json carries the recovery point', async () => {
    const text = await cli('drill', '--source', 'orders-base');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^PASS orders-base: restored base backup \S+, checked against its backup_manifest, and replayed its WAL to the end of the archive: restorable up to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(recovery point (under 1s|\d+s) behind the drill's start; replayed \d+ WAL segments? in \d+s\)/);
    expect(text.stdout).toMatch(new RegExp(`\\n {2}reached {3}last segment ${last.segment} \\(\\d+/[0-9A-F]+\\), last commit \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, to the end of the archive\\n`));
    expect(text.stdout).toMatch(/\n {2}phases {4}prepare \S+, restore \S+, replay \S+, verify \S+, cleanup \S+\n/);

    const json = await cli('drill', '--source', 'orders-base', '--json');
    expect(json.code, json.stderr).toBe(0);
    const drill = JSON.parse(json.stdout) as { outcome: string; recoveredTo: string; lastCommitAt: string; recoveryPointMs: number; walReplayed: number; recovery: { lastReplayedSegment: string } };
    expect(drill.outcome).toBe('pass');
    expect(Math.abs(Date.parse(drill.lastCommitAt) - last.lastCommitAt)).toBeLessThan(1000);
    expect(Date.parse(drill.recoveredTo)).toBeGreaterThanOrEqual(Date.parse(drill.lastCommitAt));
    expect(drill.recoveryPointMs).toBeGreaterThanOrEqual(0);
    expect(drill.walReplayed).toBeGreaterThan(0);
    expect(drill.recovery.lastReplayedSegment).toBe(last.segment);

    // Kept in the history with what it reached, for the charts and the recovery-point rule.
    const history = History.open(join(parent, 'data', 'history.sqlite'));
    try {
      const kept = history.drills('orders-base', { limit: 5 });
      expect(kept.map((d) => d.recovery?.lastReplayedSegment)).toEqual([last.segment, last.segment]);
    } finally {
      history.close();
    }
  }, 300_000);
});
