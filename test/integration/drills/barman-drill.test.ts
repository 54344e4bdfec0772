// Restore drills of real Barman 3.4 backups (backup_method = postgres, WAL streamed through a slot and stored
// gzip-compressed without a suffix): each drill copies the backup's data/ tree in its sandbox, fetches the WAL
// xlog.db lists from the backup's begin_wal on (named by its recorded compression), replays it to the end of the
// archive and says how recent a point it reached, measured against a commit made here. Faults: a WAL file gone
// from Barman's archive stops the replay and the drill names it; a FAILED backup is refused. One drill runs over
// ssh.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill } from '../../../shared/model';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { drillBarmanBackup, startBarmanSetup, type BarmanBackupFacts, type BarmanSetup, type BarmanSwitchedSegment } from '../../support/barman-fixtures';
import { expectReplayedTo } from '../../support/replay-expectations';
import { startSshd, type TestSshd } from '../../support/sshd';
import { expectPostgresToolVersion, expectToolVersion, postgresToolOf } from '../../support/tool-version';
import { TAR } from '../../../electron/engine/drills/drill-jail';
import { sha256sumOf } from '../../support/sha256sum';

const sourceParent = testParentDir('barman-drill-source');
const drillParent = testParentDir('barman-drill-runs');
let setup: BarmanSetup;
let older: BarmanBackupFacts;
let newer: BarmanBackupFacts;
let last: BarmanSwitchedSegment;
let sshd: TestSshd | undefined;

const drill = (facts: Pick<BarmanBackupFacts, 'id' | 'sizeBytes' | 'finishedBefore'>, fields: Record<string, unknown> = {}): Promise<Drill> => drillBarmanBackup(setup, facts, drillParent, fields);

/** The backup's checksum: its data/backup_manifest (backup_method = postgres, PostgreSQL 15), as sha256sum gives it. */
function manifestChecksumOf(id: string) {
  const manifest = join(setup.basebackupsDirectory, id, 'data', 'backup_manifest');
  return { algorithm: 'sha256', of: 'backup-manifest', file: 'backup_manifest', hex: sha256sumOf(manifest), bytes: statSync(manifest).size };
}

const ordersRows = (d: Drill) => d.tableDetails?.find((t) => t.schema === 'postgres.public' && t.name === 'orders')?.rows;

beforeAll(async () => {
  setup = await startBarmanSetup({ parentDir: sourceParent, compression: 'gzip' });
  await setup.writeLoad(500);
  older = await setup.backup();
  await setup.writeLoad(300);
  newer = await setup.backup();
  // Two more segments: one to lose in the gap test, one after it.
  await setup.writeLoad(100);
  await setup.switchWal();
  await setup.writeLoad(100);
  last = await setup.switchWal();
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('Barman drills', () => {
  it('the newest backup replayed to the end of the archive has every row committed before the last segment closed, and says how recent', async () => {
    const result = await drill(newer);
    expect(result.outcome, result.message).toBe('pass');
    expect(ordersRows(result)).toBe(1000);
    expectReplayedTo(result, last);
    // The tools that ran, as each prints its version: barman (where the backup is), tar, gzip (Barman's WAL, in
    // restore_command), pg_verifybackup against the backup's backup_manifest.
    const { tools, scratchServer } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['barman', 'gzip', 'pg_verifybackup', 'tar']);
    await expectToolVersion(tools.barman, 'barman');
    await expectToolVersion(tools.tar, TAR);
    await expectToolVersion(tools.gzip, 'gzip');
    await expectPostgresToolVersion(tools.pg_verifybackup, await postgresToolOf(scratchServer, 'pg_verifybackup'));
    expect(result.provenance?.checksum).toEqual(manifestChecksumOf(newer.id));
    expect(result.message).toMatch(
      new RegExp(`^restored Barman backup ${newer.id} of server ${setup.server}, checked against its backup_manifest, and replayed its WAL to the end of the archive: restorable up to \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(recovery point (under 1s|\\d+s) behind the drill's start; replayed \\d+ WAL segments in \\d+s\\); 1 database`),
    );
  }, 300_000);

  it("an older backup replays through the newer one's WAL to the same end; backup-end stops at its own end", async () => {
    const result = await drill(older);
    expect(result.outcome, result.message).toBe('pass');
    expect(ordersRows(result)).toBe(1000);
    expect(result.recovery).toMatchObject({ lastReplayedSegment: last.segment });
    const ownEnd = await drill(older, { drill: { recovery: 'backup-end' } });
    expect(ownEnd.outcome, ownEnd.message).toBe('pass');
    expect(ordersRows(ownEnd)).toBe(500);
    expect(ownEnd.message).toMatch(new RegExp(`^restored Barman backup ${older.id} of server ${setup.server}, checked against its backup_manifest, and recovered it to consistency: 1 database`));
  }, 300_000);

  it('over ssh: the backup and the WAL are copied from the Barman host', async () => {
    // The ssh login is the user running the tests: Barman's barman_user, or root, which barman leaves for it.
    sshd = await startSshd();
    const result = await drill(newer, { host: sshd.host, sshOptions: sshd.sshOptions });
    expect(result.outcome, result.message).toBe('pass');
    expect(ordersRows(result)).toBe(1000);
    expect(result.recovery).toMatchObject({ lastReplayedSegment: last.segment });
    expect(result.message).toMatch(new RegExp(`^restored Barman backup ${newer.id} of server ${setup.server} \\(copied from ${sshd.host}\\), checked against its backup_manifest, and replayed`));
    // barman and the tar that sent the files ran on the host, asked there over ssh.
    const { tools } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['barman@127.0.0.1', 'gzip', 'pg_verifybackup', 'tar', 'tar@127.0.0.1']);
    await expectToolVersion(tools['barman@127.0.0.1'], 'barman', ['--version'], sshd);
    await expectToolVersion(tools['tar@127.0.0.1'], 'tar', ['--version'], sshd);
    // Read over ssh, through this process: the same checksum as the file's own.
    expect(result.provenance?.checksum).toEqual(manifestChecksumOf(newer.id));
  }, 300_000);

  it('a FAILED backup is refused, saying so', async () => {
    const failed = await setup.faults.failedBackup();
    const result = await drill({ id: failed.id, sizeBytes: 0, finishedBefore: Date.now() });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`Barman backup ${failed.id} is FAILED in its backup.info, not DONE: only a DONE backup is complete enough to restore`);
  }, 120_000);

  it('a WAL file gone from the archive (xlog.db still listing it) stops the replay: the drill fails and names it', async () => {
    // A segment after the newer backup's end, so the backup is consistent and the replay stops at the gap.
    const after = setup.xlogSegments().filter((name) => name > newer.endWal && name < last.segment);
    expect(after.length, `segments between ${newer.endWal} and ${last.segment}: ${after.join(', ')}`).toBeGreaterThan(0);
    const gone = setup.faults.removeWal({ segment: after[0]!, keepXlogDbLine: true });
    const result = await drill(newer);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(new RegExp(`^point-in-time recovery stops at [0-9A-F]{24}( \\(archived [^)]+\\))?: ${gone} is missing from the archive or could not be replayed, so \\d+ newer segments? after it could not be replayed and restores to later times are impossible`));
  }, 300_000);
});
