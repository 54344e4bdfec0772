// The rules only a basebackup source has, on made-up polls: a stale archive (measured at the poll, so time
// the app was not running is not held against the archive), sizes judged like with like, older runs that
// cannot be restored, and an archive whose continuity could not be judged.
import { describe, expect, it } from 'vitest';
import { validateConfig, type BaseBackupSourceConfig } from '../../../shared/config';
import type { BaseBackupMetrics, ObservedBackup } from '../../../shared/model';
import { evaluate } from '../../../electron/engine/sources/evaluate';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

function source(fields: Record<string, unknown> = {}): BaseBackupSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'orders-base', kind: 'basebackup', path: '/backup/base', walArchive: '/backup/wal', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as BaseBackupSourceConfig;
}

function metrics(overrides: Partial<BaseBackupMetrics> = {}): BaseBackupMetrics {
  return { kind: 'basebackup', backupCount: 1, backupBytes: 1, archiveBytes: 1, archiveFiles: 1, newestSegment: '000000010000000000000009', newestSegmentAt: NOW - 60_000, walSegmentSize: 16 * 1024 * 1024, walArchive: null, ...overrides };
}

function run(key: string, finishedAt: number, sizeBytes: number, format: string, compression: string, readable = true): ObservedBackup {
  return { key, type: 'base', startedAt: finishedAt - 60_000, finishedAt, sizeBytes, readable, problem: readable ? null : 'has no backup_label: it cannot be restored as a base backup', meta: { format, compression } };
}

function judge(src: BaseBackupSourceConfig, m: BaseBackupMetrics, backups: ObservedBackup[], pollAt = NOW, now = pollAt) {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config');
  const sorted = [...backups].sort((a, b) => b.finishedAt - a.finishedAt);
  return evaluate({
    source: src,
    defaults: parsed.config.defaults,
    now,
    latest: { sourceId: src.id, at: pollAt, durationMs: 10, ok: true, error: null, metrics: m, newestBackupAt: sorted[0]?.finishedAt ?? null, newestBackupSize: sorted[0]?.sizeBytes ?? null, storedBytes: null, status: 'ok' },
    consecutiveFailures: 0,
    backups: sorted,
    history: sorted.map((b) => ({ ...b, sourceId: src.id, firstSeenAt: b.finishedAt })),
  });
}

const fine = [run('r1', NOW - 2 * HOUR, 20e6, 'tar', 'gzip')];

describe('the archive going stale', () => {
  it('warns past maxArchiveAge, or the default 15m, measured at the poll', () => {
    expect(judge(source(), metrics({ newestSegmentAt: NOW - 10 * 60_000 }), fine).findings).toEqual([]);
    expect(judge(source(), metrics({ newestSegmentAt: NOW - 20 * 60_000 }), fine).findings).toEqual([
      expect.objectContaining({ rule: 'wal-archiving', status: 'warning', observed: 20 * 60_000, limit: 15 * 60_000, message: expect.stringContaining('was archived 20m ago (2026-12-04 11:40 UTC), over the 15m maxArchiveAge') }),
    ]);
    expect(judge(source({ maxArchiveAge: '1h' }), metrics({ newestSegmentAt: NOW - 20 * 60_000 }), fine).findings).toEqual([]);
  });

  it('does not count the hours the app was not running', () => {
    // Polled at NOW, judged a day later with nothing polled since: the archive was fine when last seen.
    expect(judge(source(), metrics(), fine, NOW, NOW + 24 * HOUR).findings.filter((f) => f.rule === 'wal-archiving')).toEqual([]);
  });

  it('says so when the archive holds no segment at all', () => {
    expect(judge(source(), metrics({ newestSegment: null, newestSegmentAt: null }), fine).findings).toEqual([
      expect.objectContaining({ rule: 'wal-archiving', status: 'warning', message: 'no WAL segment in the archive /backup/wal: check that archive_command copies into it (SELECT pg_switch_wal() on the server tests it)' }),
    ]);
  });
});

describe('sizes, like with like', () => {
  const plains = [1, 2, 3].map((d) => run(`p${d}`, NOW - (d + 1) * 24 * HOUR, 200e6, 'plain', 'none'));

  it('does not compare a tar.gz run with plain runs', () => {
    expect(judge(source(), metrics(), [...plains, run('t1', NOW - HOUR, 20e6, 'tar', 'gzip')]).findings).toEqual([]);
  });

  it('flags a run much smaller than earlier runs written the same way', () => {
    const health = judge(source(), metrics(), [...plains, run('p0', NOW - HOUR, 50e6, 'plain', 'none')]);
    expect(health.findings).toEqual([
      expect.objectContaining({ rule: 'backup-size', status: 'critical', message: expect.stringMatching(/^newest base backup p0 is 47\.7 MB, less than half the 191 MB median of the previous 3 plain base backups: check the pg_basebackup job's log/) }),
    ]);
  });
});

describe('runs that cannot be restored, and an archive not judged', () => {
  it('names older runs without backup_label as a warning', () => {
    const health = judge(source(), metrics(), [run('old', NOW - 30 * HOUR, 20e6, 'plain', 'none', false), ...fine]);
    expect(health.findings).toEqual([expect.objectContaining({ rule: 'backup-unreadable', status: 'warning', message: expect.stringContaining('an older base backup: old has no backup_label: it cannot be restored as a base backup') })]);
  });

  it('is unknown, never fine, when the continuity could not be judged', () => {
    const health = judge(source(), metrics({ walArchiveError: 'the WAL segment size is not known: no base backup holds a WAL segment' }), fine);
    expect(health.status).toBe('unknown');
    expect(health.findings).toEqual([expect.objectContaining({ rule: 'wal-continuity', status: 'unknown', message: 'WAL continuity of /backup/wal not checked: the WAL segment size is not known: no base backup holds a WAL segment' })]);
  });
});

describe('a .history file that cannot be read', () => {
  it('is a warning naming the file, since recovery may not follow that timeline switch', () => {
    const problem = '00000002.history.gz could not be read or decompressed: recovery may not find its way to timeline 2';
    expect(judge(source(), metrics({ walHistoryProblems: [problem] }), fine).findings).toEqual([expect.objectContaining({ rule: 'wal-continuity', status: 'warning', message: `in /backup/wal: ${problem}` })]);
  });
});
