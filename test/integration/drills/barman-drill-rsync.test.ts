// Barman backups taken with backup_method = rsync (Barman's default), over ssh to the primary's host (the test
// sshd), concurrent (the only kind PostgreSQL 15 takes): what Barman 3.4 writes is an rsync copy of PGDATA in
// <backup dir>/data (pg_wal empty, no backup_manifest, pg_tblspc without the tablespace's link), each tablespace
// copied to <backup dir>/<oid>, and the backup_label PostgreSQL returned in backup.info (a Python string literal;
// Barman 3.4 also writes it into data/). A drill copies the tree, the tablespace backup.info names (only inside
// the backup's directory), writes backup.info's backup_label into the copy and replays to the end of the archive.
// Shown to matter: with data/backup_label gone and a pg_control newer than the data files, every row still comes
// back (without backup.info's label the server would not even find its checkpoint). Faults: a data/backup_label
// that is not backup.info's, and a tablespace directory that is a link out.
import { chownSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill } from '../../../shared/model';
import { removeTestParentDir, scratchDirsIn, sql, testParentDir } from '../../support/postgres-fixtures';
import { drillBarmanBackup, startBarmanSetup, type BarmanBackupFacts, type BarmanSetup, type BarmanSwitchedSegment } from '../../support/barman-fixtures';
import { addBarmanTablespace } from '../../support/barman-drill-fixtures';
import { expectReplayedTo } from '../../support/replay-expectations';
import { startSshd, type TestSshd } from '../../support/sshd';

const sourceParent = testParentDir('bmrs');
const drillParent = testParentDir('bmrs-runs');
let sshd: TestSshd;
let setup: BarmanSetup;
let oid: string;
let backup: BarmanBackupFacts;
let last: BarmanSwitchedSegment;

const drill = (facts: BarmanBackupFacts, fields: Record<string, unknown> = {}) => drillBarmanBackup(setup, facts, drillParent, fields);

const rows = (d: Drill, name: string) => d.tableDetails?.find((t) => t.schema === 'postgres.public' && t.name === name)?.rows;

beforeAll(async () => {
  sshd = await startSshd();
  setup = await startBarmanSetup({ parentDir: sourceParent, rsyncOver: sshd, compression: 'gzip' });
  ({ oid } = await addBarmanTablespace(setup));
  await setup.writeLoad(300);
  backup = await setup.backup();
  await setup.writeLoad(100);
  last = await setup.switchWal();
}, 300_000);

afterAll(async () => {
  await setup?.stop();
  await sshd?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('Barman drills: rsync-method backups', () => {
  it('the copy, its tablespace and its backup_label come back, replayed to the end of the archive', async () => {
    // What Barman wrote: a concurrent rsync backup, the tablespace beside data/ and no link to it in pg_tblspc.
    expect(setup.backupInfo(backup.id)).toMatchObject({ mode: 'rsync-concurrent', compression: 'None' });
    expect(setup.backupInfo(backup.id).backup_label).toMatch(/^'START WAL LOCATION: /);
    expect(readdirSync(join(backup.dataDir, 'pg_tblspc'))).toEqual([]);
    expect(readdirSync(join(backup.dir, oid))).toEqual([expect.stringMatching(/^PG_15_/)]);
    expect(readdirSync(backup.dataDir)).not.toContain('backup_manifest');
    const result = await drill(backup);
    expect(result.outcome, result.message).toBe('pass');
    expect(rows(result, 'orders')).toBe(400);
    expect(rows(result, 'archive_space_rows')).toBe(500);
    expectReplayedTo(result, last);
    expect(result.message).toMatch(new RegExp(`^restored Barman backup ${backup.id} of server ${setup.server}, an rsync copy given the backup_label of its backup\\.info, and replayed its WAL to the end of the archive`));
    // No backup_manifest to name its files: no checksum, and the provenance says why.
    expect(result.provenance?.checksum).toBeUndefined();
    expect(result.provenance?.checksumMissing).toBe('an rsync backup (backup_method = rsync) has no backup_manifest to name its files');
  }, 300_000);

  it('backup-end: recovered to its own end, it has the rows written before it', async () => {
    const result = await drill(backup, { drill: { recovery: 'backup-end' } });
    expect(result.outcome, result.message).toBe('pass');
    expect(rows(result, 'orders')).toBe(300);
    expect(rows(result, 'archive_space_rows')).toBe(500);
  }, 300_000);

  it('over ssh to the Barman host, the same', async () => {
    const result = await drill(backup, { host: sshd.host, sshOptions: sshd.sshOptions });
    expect(result.outcome, result.message).toBe('pass');
    expect(rows(result, 'orders')).toBe(400);
    expect(rows(result, 'archive_space_rows')).toBe(500);
    expect(result.recovery).toMatchObject({ lastReplayedSegment: last.segment });
  }, 300_000);

  it("recovery starts where backup.info's backup_label says, not at a newer pg_control's checkpoint", async () => {
    // rsync copies pg_control last: a checkpoint during the copy makes it newer than the data files. Here it is
    // the primary's, after a checkpoint past every row, and data/ has no backup_label: without the one from
    // backup.info the server would start at that checkpoint and never replay the 100 rows written after the backup.
    await sql(setup.primary, 'CHECKPOINT;');
    const control = join(backup.dataDir, 'global', 'pg_control');
    const label = join(backup.dataDir, 'backup_label');
    const [originalControl, originalLabel] = [readFileSync(control), readFileSync(label)];
    writeFileSync(control, readFileSync(join(setup.primary.dataDir, 'global', 'pg_control')));
    rmSync(label);
    try {
      const result = await drill(backup);
      expect(result.outcome, result.message).toBe('pass');
      expect(rows(result, 'orders')).toBe(400);
      expectReplayedTo(result, last);
    } finally {
      writeFileSync(control, originalControl);
      writeFileSync(label, originalLabel);
      if (setup.primary.owner) chownSync(label, setup.primary.owner.uid, setup.primary.owner.gid);
    }
  }, 300_000);

  it("a data/backup_label that is not backup.info's fails the drill: the copy was changed after Barman took it", async () => {
    const file = join(backup.dataDir, 'backup_label');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/CHECKPOINT LOCATION: \S+/, 'CHECKPOINT LOCATION: 0/1'));
    try {
      const result = await drill(backup);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe(`Barman backup ${backup.id}'s data/backup_label is not the backup_label its backup.info records: the copy was changed after Barman took it, and cannot be trusted to restore`);
    } finally {
      writeFileSync(file, original);
    }
  }, 300_000);

  it('a tablespace directory that is a link out of the backup is refused, not followed', async () => {
    const kept = join(backup.dir, oid);
    const decoy = join(setup.root, 'decoy');
    mkdirSync(decoy);
    writeFileSync(join(decoy, 'PG_15_decoy'), 'not a tablespace');
    renameSync(kept, `${kept}.kept`);
    symlinkSync(decoy, kept);
    try {
      const result = await drill(backup);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe(`Barman backup ${backup.id} keeps tablespace ${oid} in ${kept}, which leads outside its directory ${backup.dir}: drills never follow a backup's links out of it`);
    } finally {
      rmSync(kept);
      renameSync(`${kept}.kept`, kept);
    }
  }, 300_000);
});
