// The Barman test setup itself, with the real Barman 3.4: receive-wal streams into the slot, a switched
// segment reaches xlog.db (read with the kind's own reader), backups end DONE with the files where the
// fixture says, and each fault leaves what it promises. The kind's tests and drills build on this.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBarman } from '../../../electron/engine/sources/barman/barman-command';
import { continuityEntries, readXlogDb } from '../../../electron/engine/sources/barman/xlogdb';
import { walContinuity } from '../../../electron/engine/wal/continuity';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { barmanSource, startBarmanSetup, type BarmanSetup } from '../../support/barman-fixtures';

const SEGMENT_SIZE = 16 * 1024 * 1024;
const call = { signal: new AbortController().signal, timeoutMs: 120_000 };

describe('barman fixtures', () => {
  const parentDir = testParentDir('barman-fixtures');
  let setup: BarmanSetup;

  beforeAll(async () => {
    setup = await startBarmanSetup({ parentDir, compression: 'gzip' });
  }, 180_000);
  afterAll(async () => {
    await setup?.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  it('streams WAL into xlog.db, gzipped without a suffix, and takes DONE backups whose files are where it says', async () => {
    await setup.writeLoad(2000);
    const first = await setup.backup();
    await setup.writeLoad(2000);
    const switched = await setup.switchWal();
    const second = await setup.backup();
    expect([first.status, second.status]).toEqual(['DONE', 'DONE']);
    expect(existsSync(join(second.dataDir, 'PG_VERSION'))).toBe(true);
    expect(switched.lastCommitAt).toBeGreaterThan(0);

    const listed = (await runBarman(barmanSource(setup), 'list-backups', [], call)) as { backup_id: string; status: string }[];
    expect(listed.map((b) => [b.backup_id, b.status])).toEqual([[second.id, 'DONE'], [first.id, 'DONE']]);

    const xlog = await readXlogDb({ walsDirectory: setup.walsDirectory }, call);
    const file = xlog.files.find((f) => f.name === switched.segment)!;
    expect(file).toMatchObject({ compression: 'gzip' });
    expect(file.sizeBytes).toBeLessThan(SEGMENT_SIZE);
    expect(statSync(setup.walPath(switched.segment)).size).toBe(file.sizeBytes);
    const summary = walContinuity({ listing: continuityEntries(xlog.files, SEGMENT_SIZE), segmentSize: SEGMENT_SIZE, startSegment: first.beginWal, histories: xlog.histories });
    expect(summary.gaps).toEqual([]);
    expect(summary.truncated).toEqual([]);
  }, 600_000);

  it('leaves a FAILED backup, a gap in xlog.db, and a WAITING_FOR_WALS backup, and a failing check once receive-wal is stopped', async () => {
    const failed = await setup.faults.failedBackup();
    expect(failed.error).not.toBe('');
    const removed = setup.faults.removeWal();
    expect(existsSync(setup.walPath(removed))).toBe(false);
    expect(setup.xlogSegments()).not.toContain(removed);
    const waiting = await setup.faults.waitingForWalsBackup();
    expect(setup.backupInfo(waiting).status).toBe('WAITING_FOR_WALS');
    await setup.stopReceiveWal();
    const check = (await runBarman(barmanSource(setup), 'check', [], call)) as Record<string, { status: string; hint: string }>;
    expect(check.receive_wal_running?.status).toBe('FAILED');
  }, 600_000);
});
