// Observing a barman source with the real Barman 3.4: two DONE backups with writes between them, read as
// Barman's backup.info says (ids, times, sizes, WAL range, timeline), xlog.db unbroken and the source healthy.
// Then the faults, each named in Barman's words: a FAILED newest backup (critical, with Barman's error), a
// backup WAITING_FOR_WALS past maxWaitingForWals (warning), receive-wal stopped (barman check's items), and a
// WAL file removed from Barman's archive (the gap, naming the segment).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BarmanMetrics } from '../../../shared/model';
import { barmanProbe } from '../../../electron/engine/sources/barman/index';
import { judgeObservation } from '../../support/judge-observation';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { barmanSource, startBarmanSetup, type BarmanSetup } from '../../support/barman-fixtures';

const SEGMENT_SIZE = 16 * 1024 * 1024;
const ctx = () => probeContext({ timeoutMs: 120_000 });

describe('barman observe', () => {
  const parentDir = testParentDir('barman-observe');
  let setup: BarmanSetup;

  beforeAll(async () => {
    setup = await startBarmanSetup({ parentDir, compression: 'gzip' });
  }, 180_000);
  afterAll(async () => {
    await setup?.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  it('reads two DONE backups as Barman made them, xlog.db unbroken, and the server healthy', async () => {
    await setup.writeLoad(3000);
    const first = await setup.backup();
    await setup.writeLoad(3000);
    await setup.switchWal();
    const second = await setup.backup();
    await setup.writeLoad(500);
    const last = await setup.switchWal();

    const source = barmanSource(setup, { maxAge: '26h', maxArchiveAge: '1h' });
    const observation = await barmanProbe.observe(source, ctx());
    expect(observation.backups.map((b) => b.key)).toEqual([second.id, first.id]);
    for (const facts of [first, second]) {
      const observed = observation.backups.find((b) => b.key === facts.id)!;
      expect(observed).toMatchObject({ type: 'base', readable: true, problem: null, sizeBytes: facts.sizeBytes });
      expect(observed.meta).toMatchObject({ status: 'DONE', timeline: facts.timeline, startSegment: facts.beginWal, stopSegment: facts.endWal, startLsn: facts.beginLsn, stopLsn: facts.endLsn, walSegmentSize: SEGMENT_SIZE, pgVersion: '15' });
      // Barman's times have whole seconds.
      expect(observed.startedAt).toBeGreaterThanOrEqual(Math.floor(facts.startedAfter / 1000) * 1000);
      expect(observed.finishedAt).toBeGreaterThanOrEqual(observed.startedAt!);
      expect(observed.finishedAt).toBeLessThanOrEqual(facts.finishedBefore);
    }
    const metrics = observation.metrics as BarmanMetrics;
    expect(metrics).toMatchObject({ kind: 'barman', backupCount: 2, statusCounts: { DONE: 2 }, newestBackup: { id: second.id, status: 'DONE' }, walSegmentSize: SEGMENT_SIZE, streamingOnly: true, checkFailures: [], newestSegment: last.segment });
    // barman status's current_xlog: PostgreSQL writes past the newest segment Barman holds.
    expect(metrics.serverCurrentWal! > last.segment).toBe(true);
    expect(metrics.walArchive).toMatchObject({ startSegment: first.beginWal, newestSegment: last.segment, missingSegments: 0, truncatedCount: 0, timeline: 1 });
    const health = judgeObservation(source, observation);
    expect(health.status, JSON.stringify(health.findings)).toBe('ok');
    expect(barmanProbe.describe(metrics, { key: second.id, finishedAt: observation.backups[0]!.finishedAt } as never, Date.now())).toMatch(/^2 DONE backups .*, WAL .* in \d+ files, newest segment /);
  }, 600_000);

  it('names a WAITING_FOR_WALS backup past maxWaitingForWals, and a FAILED newest backup in Barman\'s words', async () => {
    const waiting = await setup.faults.waitingForWalsBackup();
    const source = barmanSource(setup, { maxWaitingForWals: '1s' });
    const observed = await barmanProbe.observe(source, ctx());
    const metrics = observed.metrics as BarmanMetrics;
    expect(metrics.waitingForWals.map((b) => b.id)).toEqual([waiting]);
    expect(observed.backups.map((b) => b.key)).not.toContain(waiting);
    const later = judgeObservation(source, observed, Date.now() + 60_000);
    expect(later.findings).toContainEqual(expect.objectContaining({ rule: 'barman-status', status: 'warning', message: expect.stringContaining(`backup ${waiting} of Barman server ${setup.server}`) }));
    expect(later.findings.find((f) => f.message.includes(waiting))!.message).toMatch(/has been WAITING_FOR_WALS for .* over the 1s maxWaitingForWals/);

    const failed = await setup.faults.failedBackup();
    const afterFailure = await barmanProbe.observe(source, ctx());
    expect((afterFailure.metrics as BarmanMetrics).newestBackup).toMatchObject({ id: failed.id, status: 'FAILED', error: failed.error });
    const health = judgeObservation(source, afterFailure);
    expect(health.status).toBe('critical');
    expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'barman-status', status: 'critical', message: expect.stringContaining(`the newest backup of Barman server ${setup.server} (-c ${setup.configPath}), ${failed.id}, FAILED: failure starting backup (Abort 'pre_backup_retry_script'`) }));
    // Barman's own failed_backups item is not said twice while the newest backup is the failed one.
    expect(health.findings.filter((f) => f.message.includes('failed backups'))).toEqual([]);
  }, 600_000);

  it('says each failing barman check item when receive-wal stops, and names a segment removed from the archive', async () => {
    await setup.writeLoad(500);
    await setup.switchWal();
    await setup.writeLoad(500);
    await setup.switchWal();
    const segments = setup.xlogSegments();
    const removed = setup.faults.removeWal();
    const before = segments[segments.indexOf(removed) - 1]!;
    await setup.stopReceiveWal();
    const source = barmanSource(setup);
    const observation = await barmanProbe.observe(source, ctx());
    const metrics = observation.metrics as BarmanMetrics;
    expect(metrics.checkFailures!.map((c) => c.name)).toEqual(expect.arrayContaining(['receive_wal_running', 'replication_slot']));
    expect(metrics.walArchive).toMatchObject({ gapCount: 1, missingSegments: 1 });
    expect(metrics.walArchive!.gaps[0]!.firstMissing).toBe(removed);
    const health = judgeObservation(source, observation);
    expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'barman-status', status: 'critical', message: expect.stringContaining(`barman check ${setup.server} (-c ${setup.configPath}): receive-wal running: FAILED (See the Barman log file for more details)`) }));
    expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'barman-status', status: 'critical', message: expect.stringContaining("replication slot: FAILED (slot 'barman_test' not active: is 'receive-wal' running?)") }));
    // The WAL library's words: where recovery stops, and how much is missing after it.
    expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'wal-continuity', status: 'critical', message: expect.stringContaining(`point-in-time recovery stops at ${before}`) }));
    expect(health.findings.find((f) => f.rule === 'wal-continuity')!.message).toContain('1 segment missing after it');
  }, 600_000);
});
