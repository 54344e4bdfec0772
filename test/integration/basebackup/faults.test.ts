// The faults of a point-in-time-recovery setup that observing can see, made with the real tools and each
// named in a finding: a segment deleted from the middle of the archive (a gap), a truncated segment, an
// archive that stopped receiving (stale); and what must not be flagged: a tablespace (listed with the backup)
// and a promotion to timeline 2 (followed, not a false gap). The archive is gzipped, as many archive_commands do.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseBackupMetrics } from '../../../shared/model';
import { basebackupProbe } from '../../../electron/engine/sources/basebackup/index';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir } from '../../support/postgres-fixtures';
import { basebackupSource, judgeBaseBackups, startBaseBackupSetup, type BaseBackupSetup } from '../../support/basebackup-fixtures';

const ctx = () => probeContext({ timeoutMs: 60_000 });

describe('basebackup faults', () => {
  const parentDir = testParentDir('basebackup-faults');
  const setups: BaseBackupSetup[] = [];
  const start = async (gzipArchive: boolean) => {
    const setup = await startBaseBackupSetup({ parentDir, gzipArchive });
    setups.push(setup);
    return setup;
  };
  afterAll(async () => {
    for (const setup of setups) await setup.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  describe('a gzipped archive', () => {
    let setup: BaseBackupSetup;
    beforeAll(async () => {
      setup = await start(true);
      await setup.writeLoad(500);
      // -X none: the run holds no WAL of its own, so only the archive can tell the segment size.
      await setup.backup({ format: 'tar', compression: 'gzip', walMethod: 'none' });
      for (let i = 0; i < 4; i++) {
        await setup.writeLoad(200);
        await setup.switchAndWait();
      }
    }, 120_000);

    it('reads the segment size from a gzipped segment when the backups hold none, and finds no gap', async () => {
      const source = basebackupSource(setup);
      const observation = await basebackupProbe.observe(source, ctx());
      const metrics = observation.metrics as BaseBackupMetrics;
      expect(metrics.walSegmentSize).toBe(16 * 1024 * 1024);
      expect(observation.backups[0]!.meta).toMatchObject({ walSegmentSize: 16 * 1024 * 1024 });
      expect(metrics.walArchive).toMatchObject({ missingSegments: 0, gapCount: 0 });
      expect(observation.backups[0]!.meta).toMatchObject({ stopFrom: 'backup history file' });
      expect(judgeBaseBackups(source, observation).status).toBe('ok');
    });

    it('names a segment deleted from the middle: point-in-time recovery stops before it', async () => {
      const victim = setup.faults.deleteMiddleSegment();
      const source = basebackupSource(setup);
      const observation = await basebackupProbe.observe(source, ctx());
      const metrics = observation.metrics as BaseBackupMetrics;
      expect(metrics.walArchive).toMatchObject({ gapCount: 1, missingSegments: 1 });
      expect(metrics.walArchive!.gaps[0]!.firstMissing).toBe(victim);
      const health = judgeBaseBackups(source, observation);
      expect(health.status).toBe('critical');
      const finding = health.findings.find((f) => f.rule === 'wal-continuity');
      expect(finding?.status).toBe('critical');
      expect(finding?.message).toMatch(/^point-in-time recovery stops at [0-9A-F]{24} \(archived .+\): 1 segment missing after it; restores to later times are impossible/);
    });
  });

  describe('a plain archive', () => {
    let setup: BaseBackupSetup;
    beforeAll(async () => {
      setup = await start(false);
      await setup.writeLoad(500);
      await setup.backup({ format: 'plain' });
      await setup.writeLoad(200);
      await setup.switchAndWait();
    }, 120_000);

    it('names a truncated segment', async () => {
      await setup.writeLoad(200);
      const { segment } = await setup.switchAndWait();
      setup.faults.truncateSegment(segment);
      const source = basebackupSource(setup);
      const health = judgeBaseBackups(source, await basebackupProbe.observe(source, ctx()));
      expect(health.status).toBe('critical');
      expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'wal-continuity', status: 'critical', message: expect.stringContaining(`WAL segment ${segment} in the archive is 8.0 MB, not 16.0 MB: it was cut short`) }));
    });

    it('warns when the archive stopped receiving, measured at the poll (not while the app was off)', async () => {
      await setup.faults.stopArchiving();
      await setup.writeLoad(200);
      await sql(setup.primary(), 'SELECT pg_switch_wal();'); // nothing reaches the archive now
      const source = basebackupSource(setup, { maxArchiveAge: '15m' });
      const observation = await basebackupProbe.observe(source, ctx());
      const metrics = observation.metrics as BaseBackupMetrics;
      expect(judgeBaseBackups(source, observation).findings.filter((f) => f.rule === 'wal-archiving')).toEqual([]);
      // The same poll judged 20 minutes later: the newest segment is 20 minutes older than the poll.
      const later = judgeBaseBackups(source, observation, metrics.newestSegmentAt! + 20 * 60_000);
      expect(later.findings).toContainEqual(
        expect.objectContaining({
          rule: 'wal-archiving',
          status: 'warning',
          message: expect.stringMatching(new RegExp(`^the newest WAL segment in ${setup.walArchive}, ${metrics.newestSegment}, was archived 20m ago \\(.+ UTC\\), over the 15m maxArchiveAge: check archive_command`)),
        }),
      );
    }, 120_000);
  });

  it('reads the segment size from a zstd archive\'s frame header when the runs hold no WAL, and its .backup files', async () => {
    const setup = await startBaseBackupSetup({ parentDir, zstdArchive: true });
    setups.push(setup);
    await setup.writeLoad(300);
    const run = await setup.backup({ format: 'tar', compression: 'gzip', walMethod: 'none' });
    await setup.writeLoad(300);
    await setup.switchAndWait();
    expect(setup.archived().every((name) => name.endsWith('.zst'))).toBe(true);
    const source = basebackupSource(setup);
    const observation = await basebackupProbe.observe(source, ctx());
    const metrics = observation.metrics as BaseBackupMetrics;
    expect(metrics.walSegmentSize).toBe(16 * 1024 * 1024);
    expect(metrics.walArchive).toMatchObject({ startSegment: run.startSegment, missingSegments: 0 });
    expect(observation.backups[0]!.meta).toMatchObject({ stopLsn: run.stopLsn, stopFrom: 'backup history file' });
    expect(judgeBaseBackups(source, observation).status).toBe('ok');
  }, 120_000);

  it('lists a tablespace with each backup, plain (its link) and tar (tablespace_map), and is not a fault', async () => {
    const setup = await start(false);
    const space = await setup.faults.addTablespace('archive_space');
    const plain = await setup.backup({ format: 'plain' });
    const tar = await setup.backup({ format: 'tar', compression: 'gzip' });
    await setup.switchAndWait();
    const source = basebackupSource(setup);
    const observation = await basebackupProbe.observe(source, ctx());
    const meta = (label: string) => observation.backups.find((b) => b.key === label)!.meta!;
    expect(meta(plain.label).tablespaces).toEqual([{ oid: space.oid, path: plain.tablespaces[0]!.backupLocation }]);
    expect(meta(tar.label).tablespaces).toEqual([{ oid: space.oid, path: space.location }]);
    expect(judgeBaseBackups(source, observation).status).toBe('ok');
  }, 120_000);

  it('follows a promotion to timeline 2 through its .history file: no false gap', async () => {
    const setup = await start(true);
    await setup.writeLoad(300);
    const before = await setup.backup({ format: 'tar', compression: 'gzip' });
    await setup.writeLoad(300);
    expect(await setup.faults.promote()).toBe(2);
    await setup.writeLoad(300);
    const after = await setup.switchAndWait();
    const source = basebackupSource(setup);
    const observation = await basebackupProbe.observe(source, ctx());
    const metrics = observation.metrics as BaseBackupMetrics;
    expect(metrics.walArchive).toMatchObject({ timeline: 2, chain: [1, 2], startSegment: before.startSegment, newestSegment: after.segment, missingSegments: 0, missingHistories: [] });
    const health = judgeBaseBackups(source, observation);
    expect(health.findings.filter((f) => f.status !== 'ok')).toEqual([]);

    // An archive_command that overwrites: the promoted server archives timeline 1's last segment again, after
    // its own. Recovery still follows timeline 2 (the highest with a .history file), and so does the check.
    const old = setup.archived().filter((name) => name.startsWith('00000001') && /^[0-9A-F]{24}\.gz$/.test(name)).at(-1)!;
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(setup.walArchive, old), later, later);
    const again = (await basebackupProbe.observe(source, ctx())).metrics as BaseBackupMetrics;
    expect(again.walArchive).toMatchObject({ timeline: 2, chain: [1, 2], newestSegment: after.segment, missingSegments: 0 });
  }, 180_000);
});
