// Barman backups taken with backup_compression (backup_method = postgres, backup_compression_format = tar): what
// Barman 3.4 writes in <backup dir>/data is what `pg_basebackup -Ft --compress` wrote: base.tar.<ext> (with the
// backup_label and a tablespace_map naming the server's own tablespace paths), <oid>.tar.<ext> per tablespace and
// backup_manifest, no pg_wal.tar. A drill unpacks them as a tar-format base backup run is (drills/tar-run.ts):
// the tablespace inside its own directory, tablespace_map rewritten to point there, checked against the manifest,
// and replayed to the end of the archive. gzip, lz4 and zstd, three backups of one server; one over ssh.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill } from '../../../shared/model';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { drillBarmanBackup, startBarmanSetup, type BarmanBackupFacts, type BarmanSetup, type BarmanSwitchedSegment } from '../../support/barman-fixtures';
import { addBarmanTablespace } from '../../support/barman-drill-fixtures';
import { expectReplayedTo } from '../../support/replay-expectations';
import { startSshd } from '../../support/sshd';
import { expectToolVersion } from '../../support/tool-version';
import { directoryManifestOf } from '../../support/sha256sum';

// Short: PostgreSQL sends a tablespace's link in tar format, whose link names hold 100 bytes.
const sourceParent = testParentDir('bmcz');
const drillParent = testParentDir('bmcz-runs');
const COMPRESSIONS = [
  { compression: 'gzip', ext: 'gz' },
  { compression: 'lz4', ext: 'lz4' },
  { compression: 'zstd', ext: 'zst' },
] as const;
let setup: BarmanSetup;
let oid: string;
const backups = new Map<string, BarmanBackupFacts>();
let last: BarmanSwitchedSegment;

const drill = (facts: BarmanBackupFacts, fields: Record<string, unknown> = {}) => drillBarmanBackup(setup, facts, drillParent, fields);

const rows = (d: Drill, name: string) => d.tableDetails?.find((t) => t.schema === 'postgres.public' && t.name === name)?.rows;

beforeAll(async () => {
  setup = await startBarmanSetup({ parentDir: sourceParent });
  ({ oid } = await addBarmanTablespace(setup));
  await setup.writeLoad(300);
  for (const { compression } of COMPRESSIONS) {
    setup.reconfigure({ backup_compression: compression, backup_compression_format: 'tar' });
    backups.set(compression, await setup.backup());
  }
  await setup.writeLoad(100);
  last = await setup.switchWal();
}, 300_000);

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('Barman drills: compressed backups (tar files)', () => {
  it.each(COMPRESSIONS)('$compression: the tar files and the tablespace come back, replayed to the end of the archive', async ({ compression, ext }) => {
    const backup = backups.get(compression)!;
    // What Barman wrote: pg_basebackup's tar files and manifest in data/, its backup.info naming the compression.
    expect(readdirSync(backup.dataDir).sort()).toEqual([`${oid}.tar.${ext}`, 'backup_manifest', `base.tar.${ext}`]);
    expect(setup.backupInfo(backup.id)).toMatchObject({ mode: 'postgres', compression });
    const result = await drill(backup);
    expect(result.outcome, result.message).toBe('pass');
    expect(rows(result, 'orders')).toBe(400);
    expect(rows(result, 'archive_space_rows')).toBe(500);
    expectReplayedTo(result, last);
    // The decompressor tar ran for the backup's files, as it prints its version.
    const { tools } = result.provenance!;
    expect(Object.keys(tools)).toEqual(expect.arrayContaining(['barman', 'tar', compression]));
    await expectToolVersion(tools[compression], compression);
    expect(result.message).toMatch(new RegExp(`^restored Barman backup ${backup.id} of server ${setup.server}, unpacked from its ${compression} tar files, checked against its backup_manifest, and replayed its WAL to the end of the archive`));
    // Its checksum, each file hashed as tar read it: what sha256sum gives for data/ (the tablespace's tar too).
    expect(result.provenance?.checksum).toEqual({ algorithm: 'sha256', of: 'directory-manifest', ...directoryManifestOf(backup.dataDir) });
  }, 300_000);

  it('over ssh: the zstd backup listed, copied and checked against its manifest on the Barman host', async () => {
    const sshd = await startSshd();
    try {
      const backup = backups.get('zstd')!;
      const result = await drill(backup, { host: sshd.host, sshOptions: sshd.sshOptions });
      expect(result.outcome, result.message).toBe('pass');
      expect(rows(result, 'orders')).toBe(400);
      expect(rows(result, 'archive_space_rows')).toBe(500);
      expect(result.recovery).toMatchObject({ lastReplayedSegment: last.segment });
      expect(result.message).toMatch(new RegExp(`^restored Barman backup ${backup.id} of server ${setup.server} \\(copied from ${sshd.host}\\), unpacked from its zstd tar files, checked against its backup_manifest, and replayed`));
      // Its tar files went from ssh straight into tar: no checksum, and the provenance says why.
      expect(result.provenance?.checksumMissing).toBe(`a tar run on ${sshd.host} is unpacked straight from ssh into tar, so its bytes never pass through Backup Health to be hashed`);
    } finally {
      await sshd.stop();
    }
  }, 300_000);

  it('backup-end: the gzip backup recovered to its own end has the rows written before it', async () => {
    const result = await drill(backups.get('gzip')!, { drill: { recovery: 'backup-end' } });
    expect(result.outcome, result.message).toBe('pass');
    expect(rows(result, 'orders')).toBe(300);
    expect(rows(result, 'archive_space_rows')).toBe(500);
  }, 300_000);
});
