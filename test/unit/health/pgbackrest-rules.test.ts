import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../shared/config';
import type { BackupRecord, Poll } from '../../../shared/model';
import { evaluate } from '../../../electron/engine/sources/evaluate';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 10);

function input(sizes: [type: 'full' | 'incr', bytes: number][], fields: Record<string, unknown> = {}) {
  const parsed = validateConfig({ sources: [{ id: 'pb', kind: 'pgbackrest', stanza: 'main', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const backups: BackupRecord[] = sizes
    .map(([type, sizeBytes], i) => ({ sourceId: 'pb', key: `b${i}`, type, finishedAt: NOW - (sizes.length - i) * HOUR, firstSeenAt: NOW, sizeBytes, readable: true }))
    .reverse();
  const latest: Poll = { sourceId: 'pb', at: NOW, durationMs: 5, ok: true, error: null, metrics: { kind: 'pgbackrest', stanzaStatus: { code: 0, message: 'ok' }, archiveMin: null, archiveMax: null, backupCount: backups.length, backupLockHeld: false }, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'ok' };
  return { source: parsed.config.sources[0]!, defaults: parsed.config.defaults, now: NOW, latest, consecutiveFailures: 0, backups, history: backups };
}

describe('pgbackrest size rule: full against full', () => {
  it('a tiny incremental after big fulls is normal', () => {
    expect(evaluate(input([['full', 100e6], ['full', 101e6], ['full', 99e6], ['incr', 2e6], ['incr', 10e3]])).findings).toEqual([]);
  });

  it('a full under half the median of earlier fulls is critical, however many incrementals are between', () => {
    const health = evaluate(input([['full', 100e6], ['incr', 1e6], ['full', 101e6], ['incr', 1e6], ['full', 99e6], ['incr', 1e6], ['full', 30e6], ['incr', 1e3]]));
    expect(health.findings).toEqual([expect.objectContaining({ rule: 'backup-size', status: 'critical', message: expect.stringContaining('newest full backup b6 added 28.6 MB to the repository, less than half the 95.4 MB median of the previous 3 full backups') })]);
  });

  it('stanza status other than ok is critical in pgBackRest\'s words', () => {
    const i = input([['full', 100e6]]);
    i.latest.metrics = { ...i.latest.metrics!, stanzaStatus: { code: 3, message: 'missing stanza data' } } as Poll['metrics'];
    expect(evaluate(i).findings[0]).toMatchObject({ rule: 'stanza-status', status: 'critical', message: expect.stringContaining('missing stanza data (status 3)') });
  });

  it('maxArchiveAge, when set, judges the newest segment of the stanza\'s archive', () => {
    const withArchive = (fields: Record<string, unknown>, newestAgo: number | null) => {
      const i = input([['full', 100e6]], fields);
      const walArchive = { newestSegment: '00000001000000000000000A', newestArchivedAt: newestAgo === null ? null : NOW - newestAgo, missingSegments: 0, gapCount: 0, gaps: [], truncated: [], truncatedCount: 0, missingHistories: [], newestPartial: null };
      i.latest.metrics = { ...i.latest.metrics!, walArchive } as unknown as Poll['metrics'];
      return i;
    };
    const rule = (i: ReturnType<typeof input>) => evaluate(i).findings.filter((f) => f.rule === 'wal-archiving');
    expect(rule(withArchive({}, 5 * HOUR))).toEqual([]);
    expect(rule(withArchive({ maxArchiveAge: '1h' }, 30 * 60_000))).toEqual([]);
    expect(rule(withArchive({ maxArchiveAge: '1h' }, 5 * HOUR))).toEqual([expect.objectContaining({ status: 'warning', observed: 5 * HOUR, message: expect.stringMatching(/^the newest WAL segment archived in stanza main, 00000001000000000000000A, is 5h old, over the 1h maxArchiveAge/) })]);
    expect(rule(withArchive({ maxArchiveAge: '1h' }, null))).toEqual([expect.objectContaining({ status: 'warning', message: expect.stringContaining('has no WAL segment archived') })]);
  });
});
