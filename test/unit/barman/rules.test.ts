// The barman rules on a poll's metrics: check items in Barman's words at the severity of what they mean, the
// streaming-only server before its first WAL explained (Barman #87), not alarmed, unless WAL is not flowing,
// a check that could not run never shown as fine, and the WAL archive's age.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../shared/config';
import type { BackupRecord, BarmanMetrics, Poll } from '../../../shared/model';
import { evaluate } from '../../../electron/engine/sources/evaluate';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 4, 9);

function input(metrics: Partial<BarmanMetrics>, fields: Record<string, unknown> = {}) {
  const parsed = validateConfig({ sources: [{ id: 'orders-barman', kind: 'barman', server: 'pg-orders', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const backups: BackupRecord[] = [{ sourceId: 'orders-barman', key: '20261204T020000', type: 'base', finishedAt: NOW - 7 * HOUR, firstSeenAt: NOW, sizeBytes: 50e6, readable: true }];
  const full: BarmanMetrics = {
    kind: 'barman',
    backupCount: 1,
    statusCounts: { DONE: 1 },
    newestBackup: { id: '20261204T020000', status: 'DONE', endedAt: NOW - 7 * HOUR, error: null },
    waitingForWals: [],
    failedBackups: [],
    inProgress: 0,
    backupBytes: 50e6,
    archiveBytes: 64e6,
    archiveFiles: 4,
    newestSegment: '000000010000000000000009',
    newestSegmentAt: NOW - 60_000,
    walSegmentSize: 16 * 1024 * 1024,
    streamingOnly: true,
    checkFailures: [],
    walArchive: null,
    ...metrics,
  };
  const latest: Poll = { sourceId: 'orders-barman', at: NOW, durationMs: 5, ok: true, error: null, metrics: full, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'ok' };
  return { source: parsed.config.sources[0]!, defaults: parsed.config.defaults, now: NOW, latest, consecutiveFailures: 0, backups, history: backups };
}

const WAL_ARCHIVE = { name: 'wal_archive', hint: 'please make sure WAL shipping is setup' };

describe('barman rules', () => {
  it('a healthy server has no finding', () => {
    expect(evaluate(input({})).findings).toEqual([]);
  });

  it('explains a streaming-only server whose WAL archive check fails before its first WAL (Barman #87), without alarm', () => {
    const health = evaluate(input({ checkFailures: [WAL_ARCHIVE] }));
    expect(health.status).toBe('ok');
    expect(health.findings).toEqual([
      expect.objectContaining({ rule: 'barman-status', status: 'ok', message: expect.stringContaining('barman check pg-orders: WAL archive: FAILED (please make sure WAL shipping is setup): this server streams its WAL (streaming_archiver, no archive_command), and Barman has not received a complete WAL file yet') }),
    ]);
  });

  it('alarms the same item when WAL is not flowing, or when the server uses archive_command', () => {
    const notFlowing = evaluate(input({ checkFailures: [WAL_ARCHIVE, { name: 'receive_wal_running', hint: 'See the Barman log file for more details' }] }));
    expect(notFlowing.findings.map((f) => [f.status, f.observed])).toEqual([['critical', 'wal_archive'], ['critical', 'receive_wal_running']]);
    expect(notFlowing.findings[1]!.message).toBe("barman check pg-orders: receive-wal running: FAILED (See the Barman log file for more details); WAL is not being streamed to Barman: barman cron (run every minute) starts it; check that cron runs it, and Barman's log");
    const archiver = evaluate(input({ streamingOnly: false, checkFailures: [WAL_ARCHIVE] }));
    expect(archiver.findings[0]).toMatchObject({ status: 'critical', message: expect.stringContaining("check the server's archive_command (barman-wal-archive)") });
  });

  it('says how to create a missing slot, and keeps unknown items as warnings in Barman\'s words', () => {
    const health = evaluate(input({ checkFailures: [{ name: 'replication_slot', hint: "replication slot 'barman' doesn't exist. Please execute 'barman receive-wal --create-slot pg-orders'" }, { name: 'pg_basebackup_compatible', hint: 'PostgreSQL version: None' }] }));
    expect(health.findings.map((f) => f.status)).toEqual(['critical', 'warning']);
    expect(health.findings[0]!.message).toContain('create it with barman receive-wal --create-slot pg-orders');
    expect(health.findings[1]!.message).toBe('barman check pg-orders: pg basebackup compatible: FAILED (PostgreSQL version: None); see barman check pg-orders');
  });

  it('older FAILED backups are a warning; a check that could not run is unknown, never fine', () => {
    expect(evaluate(input({ checkFailures: [{ name: 'failed_backups', hint: 'there are 1 failed backups' }] })).findings[0]).toMatchObject({ status: 'warning', message: expect.stringContaining('failed backups: FAILED (there are 1 failed backups)') });
    const unrun = evaluate(input({ checkFailures: null, checkError: 'barman check pg-orders did not answer within 30s' }));
    expect(unrun.status).toBe('unknown');
    expect(unrun.findings[0]!.message).toBe('barman check pg-orders could not run: barman check pg-orders did not answer within 30s');
  });

  it('a WAITING_FOR_WALS backup is named only past maxWaitingForWals (default 1h)', () => {
    const waiting = (ago: number) => ({ waitingForWals: [{ id: '20261204T080000', status: 'WAITING_FOR_WALS', endedAt: NOW - ago, error: null }] });
    expect(evaluate(input(waiting(30 * 60_000))).findings).toEqual([]);
    expect(evaluate(input(waiting(2 * HOUR))).findings[0]).toMatchObject({ rule: 'barman-status', status: 'warning', observed: 2 * HOUR, limit: HOUR });
    expect(evaluate(input(waiting(30 * 60_000), { maxWaitingForWals: '10m' })).findings[0]).toMatchObject({ status: 'warning', limit: 10 * 60_000 });
  });

  it('an archive that stopped receiving WAL is a warning past maxArchiveAge', () => {
    const stale = evaluate(input({ newestSegmentAt: NOW - 3 * HOUR }, { maxArchiveAge: '1h' }));
    expect(stale.findings).toEqual([expect.objectContaining({ rule: 'wal-archiving', status: 'warning', message: expect.stringContaining('the newest WAL segment Barman holds for pg-orders, 000000010000000000000009, was archived 3h ago') })]);
  });
});
