// A Barman backup of a server with a tablespace: Barman keeps it beside data/ as <backup dir>/<oid>, and data/'s
// pg_tblspc link points there; the drill copies it inside its own directory (the link followed only inside the
// backup's directory) and the tablespace's rows come back. Uncompressed WAL this time (Barman's default).
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { drillBarmanBackup, startBarmanSetup, type BarmanBackupFacts, type BarmanSetup } from '../../support/barman-fixtures';
import { addBarmanTablespace } from '../../support/barman-drill-fixtures';

// Short: PostgreSQL sends a tablespace's link in tar format, whose link names hold 100 bytes.
const sourceParent = testParentDir('bmts');
const drillParent = testParentDir('bmts-runs');
let setup: BarmanSetup;
let oid: string;
let backup: BarmanBackupFacts;
let lastSegment: string;

beforeAll(async () => {
  setup = await startBarmanSetup({ parentDir: sourceParent });
  ({ oid } = await addBarmanTablespace(setup));
  await setup.writeLoad(300);
  backup = await setup.backup();
  await setup.writeLoad(100);
  lastSegment = (await setup.switchWal()).segment;
}, 300_000);

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('Barman drills: a tablespace', () => {
  it("comes back with every row, from <backup dir>/<oid>, and the replay reaches the newest WAL", async () => {
    // What Barman wrote: the tablespace beside data/, and data/'s link pointing at it.
    expect(existsSync(join(backup.dir, oid))).toBe(true);
    expect(readlinkSync(join(backup.dataDir, 'pg_tblspc', oid))).toBe(join(backup.dir, oid));
    const result = await drillBarmanBackup(setup, backup, drillParent);
    expect(result.outcome, result.message).toBe('pass');
    const rows = (name: string) => result.tableDetails?.find((t) => t.schema === 'postgres.public' && t.name === name)?.rows;
    expect(rows('archive_space_rows')).toBe(500);
    expect(rows('orders')).toBe(400);
    expect(result.recovery?.lastReplayedSegment).toBe(lastSegment);
  }, 300_000);
});
