// Barman's JSON read the same from 3.4 (recorded from the real Barman 3.4.0, test/fixtures/barman/3.4) and
// 3.12 (built from upstream's output.py layout, test/fixtures/barman/3.12): sizes from either field name,
// times from the epoch-seconds fields (never the ctime strings), a FAILED backup's error; and barman's own
// failures as probe errors naming the server, the host, the command and Barman's message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBarmanJson } from '../../../electron/engine/sources/barman/barman-command';
import { parseBackupInfoFile, parseCheck, parseListBackups, parseShowBackup, parseShowServer, parseStatus } from '../../../electron/engine/sources/barman/barman-json';

const FIXTURES = join(__dirname, '../../fixtures/barman');
function recorded(version: string, file: string, server: string): unknown {
  return (JSON.parse(readFileSync(join(FIXTURES, version, file), 'utf8')) as Record<string, unknown>)[server];
}

describe('Barman 3.4 JSON (recorded)', () => {
  it('lists DONE and FAILED backups with the end time from end_time_timestamp', () => {
    const backups = parseListBackups(recorded('3.4', 'list-backups.json', 'pg'), 'pg');
    expect(backups.map((b) => [b.id, b.status])).toEqual([['20261204T083855', 'FAILED'], ['20261204T082213', 'DONE']]);
    expect(backups[1]!.endTime).toBe(1796372537_000);
    expect(backups[1]!.sizeBytes).toBe(39915715);
    expect(backups[0]!.endTime).toBeNull();
  });

  it('reads show-backup: disk_usage_bytes, begin and end times, WAL range, timeline; a FAILED one\'s error', () => {
    const [failed, done] = parseListBackups(recorded('3.4', 'list-backups.json', 'pg'), 'pg');
    const detail = parseShowBackup(recorded('3.4', 'show-backup-done.json', 'pg'), done!, 'pg');
    expect(detail).toMatchObject({ status: 'DONE', sizeBytes: 23138499, beginTime: 1796372533_000, endTime: 1796372537_000, beginWal: '000000010000000000000003', endWal: '000000010000000000000003', beginLsn: '0/3000028', endLsn: '0/4000000', timeline: 1, postgresqlVersion: 150018, backupType: null });
    const why = parseShowBackup(recorded('3.4', 'show-backup-failed.json', 'pg'), failed!, 'pg');
    expect(why.error).toMatch(/^failure starting backup \(Abort 'pre_backup_retry_script'/);
  });

  it('reads show-server: where the backups and WAL are, the segment size, how WAL arrives', () => {
    expect(parseShowServer(recorded('3.4', 'show-server.json', 'pg'), 'pg')).toMatchObject({
      walsDirectory: '/var/lib/barman/pg/wals',
      basebackupsDirectory: '/var/lib/barman/pg/base',
      segmentSize: 16 * 1024 * 1024,
      compression: null,
      backupMethod: 'postgres',
      archiver: false,
      streamingArchiver: true,
      serverVersion: '15.18',
      connectionError: null,
    });
  });

  it('reads every check item with its hint, and status messages', () => {
    const checks = parseCheck(recorded('3.4', 'check-receive-wal-stopped.json', 'pg'), 'pg');
    expect(checks.filter((c) => !c.ok).map((c) => c.name).sort()).toEqual(['failed_backups', 'receive_wal_running', 'replication_slot']);
    expect(checks.find((c) => c.name === 'replication_slot')!.hint).toBe("slot 'barman' not active: is 'receive-wal' running?");
    expect(parseStatus(recorded('3.4', 'status.json', 'pg'), 'pg')).toMatchObject({ last_backup: '20261204T082213', pg_version: '15.18' });
  });

  it('reads backup.info lines', () => {
    expect(parseBackupInfoFile('status=DONE\nxlog_segment_size=16777216\nbackup_label=None\n')).toEqual({ status: 'DONE', xlog_segment_size: '16777216', backup_label: 'None' });
  });
});

describe('Barman 3.12 JSON (built from upstream output.py)', () => {
  it('takes backup_size_bytes and backup_type, and keeps every status', () => {
    const listed = parseListBackups(recorded('3.12', 'list-backups.json', 'pg-orders'), 'pg-orders');
    expect(listed.map((b) => b.status)).toEqual(['WAITING_FOR_WALS', 'FAILED', 'DONE', 'DONE']);
    const done = listed[2]!;
    expect(done).toMatchObject({ name: 'before-upgrade', backupType: 'full', endTime: 1796090635_000 });
    const detail = parseShowBackup(recorded('3.12', 'show-backup-done.json', 'pg-orders'), done, 'pg-orders');
    expect(detail).toMatchObject({ sizeBytes: 1113325158, walSizeBytes: 67790848, beginTime: 1796090400_000, endTime: 1796090635_000, timeline: 2, beginWal: '0000000200000003000000A1', endWal: '0000000200000003000000A4', postgresqlVersion: 160004 });
    expect(parseShowBackup(recorded('3.12', 'show-backup-failed.json', 'pg-orders'), listed[1]!, 'pg-orders').error).toMatch(/Connection refused/);
  });

  it('takes *_iso times (with their zone) where no *_timestamp is given, never a zoneless string', () => {
    const [listed] = parseListBackups([{ backup_id: '20261201T020000', status: 'DONE', end_time: 'Tue Dec  1 02:03:55 2026', end_time_iso: '2026-12-01T02:03:55.445566+01:00' }], 'pg');
    expect(listed!.endTime).toBe(Date.parse('2026-12-01T01:03:55.445Z'));
    const [zoneless] = parseListBackups([{ backup_id: 'x', status: 'DONE', end_time: 'Tue Dec  1 02:03:55 2026' }], 'pg');
    expect(zoneless!.endTime).toBeNull();
  });
});

describe('barman output as errors', () => {
  const source = { server: 'pg-orders', host: 'barman@backup1' };
  it('names the server, the host, the command and Barman\'s own message', () => {
    expect(() => parseBarmanJson({ code: 1, stdout: '{"_ERROR": ["Unknown server \'pg-orders\'"]}', stderr: '' }, source, 'list-backups')).toThrow(
      /barman list-backups pg-orders on barman@backup1: Barman knows no server "pg-orders" \(Unknown server 'pg-orders'\); check server/,
    );
    expect(() => parseBarmanJson({ code: 1, stdout: '', stderr: "ERROR: please run barman as 'barman' user\n" }, source, 'check')).toThrow(/must be Barman's barman_user/);
    expect(() => parseBarmanJson({ code: 1, stdout: '', stderr: "Configuration file '/etc/nope.conf' does not exist\n" }, { server: 'pg' }, 'status')).toThrow(/does not exist; check configPath/);
  });

  it('takes a failing check\'s exit 1 as a result, and says when the output is not JSON', () => {
    expect(parseBarmanJson({ code: 1, stdout: '{"pg": {"wal_archive": {"status": "FAILED", "hint": "x"}}}', stderr: '' }, { server: 'pg' }, 'check')).toEqual({ wal_archive: { status: 'FAILED', hint: 'x' } });
    expect(() => parseBarmanJson({ code: 0, stdout: 'Server pg:', stderr: '' }, { server: 'pg' }, 'status')).toThrow(/did not print JSON/);
  });
});
