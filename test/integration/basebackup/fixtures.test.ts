// The fixture other basebackup tests (observe, drills) stand on: what it says of each backup must be what
// PostgreSQL wrote, or every test built on it checks against the wrong truth.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { startBaseBackupSetup, type BaseBackupSetup } from '../../support/basebackup-fixtures';

describe('basebackup fixture', () => {
  const parentDir = testParentDir('basebackup-fixture');
  let setup: BaseBackupSetup;
  beforeAll(async () => {
    setup = await startBaseBackupSetup({ parentDir, gzipArchive: true });
  }, 120_000);
  afterAll(async () => {
    await setup?.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  it('takes plain and tar backups whose backup_label and archive match what pg_basebackup printed, and follows a promotion', async () => {
    await setup.writeLoad(500);
    const first = await setup.switchAndWait();
    expect(existsSync(first.file)).toBe(true);
    expect(first.lastCommitAt).toBeGreaterThan(Date.now() - 120_000);
    const plain = await setup.backup({ format: 'plain' });
    const label = readFileSync(join(plain.dir, 'backup_label'), 'utf8');
    expect(label).toContain(`START WAL LOCATION: ${plain.startLsn} (file ${plain.startSegment})`);
    expect(label).toContain(`LABEL: ${plain.label}`);
    await setup.writeLoad(500);
    const tar = await setup.backup({ format: 'tar', compression: 'gzip' });
    expect(readdirSync(tar.dir)).toContain('base.tar.gz');
    await setup.switchAndWait();
    const history = setup.archived().filter((name) => name.endsWith('.backup.gz'));
    expect(history.map((name) => name.slice(0, 24))).toEqual([plain.startSegment, tar.startSegment]);

    const timeline = await setup.faults.promote();
    expect(timeline).toBe(2);
    await setup.writeLoad(100);
    const switched = await setup.switchAndWait();
    expect(switched.segment.startsWith('00000002')).toBe(true);
    expect(setup.archived()).toContain('00000002.history.gz');
    const after = await setup.backup({ format: 'plain' });
    expect(after.timeline).toBe(2);
  }, 240_000);
});
