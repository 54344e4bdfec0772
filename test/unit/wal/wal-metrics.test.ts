// /metrics for kinds that keep WAL: backup_health_wal_missing_segments from the newest successful poll's WAL
// archive summary, and backup_health_recovery_point_seconds from the recovery point the last passing drill
// reached (the engine's summary carries it). Kinds without WAL have no sample.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../shared/config';
import type { PgBackRestMetrics, Poll, SourceSummary } from '../../../shared/model';
import { metricFamilies } from '../../../electron/server/metrics';
import { formatExposition } from '../../../electron/server/metrics-format';
import { SourceMetricsReader } from '../../../electron/server/metrics-sources';
import { walContinuity } from '../../../electron/engine/wal/continuity';
import { segmentName } from '../../../electron/engine/wal/names';

const T = 1_800_000_000_000;
const S16 = 16 * 1024 * 1024;

function config() {
  const validated = validateConfig({
    sources: [
      { id: 'stanza', kind: 'pgbackrest', stanza: 'main' },
      { id: 'nightly', kind: 'dump-dir', path: '/srv/dumps' },
    ],
  });
  if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
  return validated.config;
}

function pgbackrestMetrics(missing: number[]): PgBackRestMetrics {
  const listing = [];
  for (let s = 1; s <= 40; s++) if (!missing.includes(s)) listing.push({ name: segmentName(1, s, S16), sizeBytes: S16, mtimeMs: T - (40 - s) * 60_000 });
  return {
    kind: 'pgbackrest',
    stanzaStatus: { code: 0, message: 'ok' },
    archiveMin: null,
    archiveMax: null,
    backupCount: 1,
    backupLockHeld: false,
    walArchive: walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [] }),
  };
}

function poll(sourceId: string, metrics: Poll['metrics']): Poll {
  return { sourceId, at: T, durationMs: 50, ok: true, error: null, metrics, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'ok' };
}

/** A summary whose last passing drill finished at `lastRestoreAt`, with the recovery point it reached (undefined: no WAL replayed). */
function summary(id: string, kind: SourceSummary['kind'], lastRestoreAt: number, recoveryPointMs: number | null | undefined): SourceSummary {
  const recovery = recoveryPointMs === undefined ? {} : { recovery: { mode: 'end-of-archive' as const, recoveredTo: lastRestoreAt - 200_000, recoveryPointMs, idle: false } };
  return { id, name: id, kind, status: 'ok', findings: [], lastPollAt: T, newestBackup: null, lastRestore: { at: lastRestoreAt, restoreMs: 9000, backupKey: 'b', ...recovery } };
}

describe('WAL and recovery point metrics', () => {
  it('exports missing segments for a kind keeping WAL and the recovery point of the last passing drill', () => {
    const polls: Record<string, Poll> = { stanza: poll('stanza', pgbackrestMetrics([10, 11, 12, 30])), nightly: poll('nightly', { kind: 'dump-dir', fileCount: 1, totalBytes: 1, inProgress: 0 }) };
    const store = { latestPoll: (id: string) => polls[id] ?? null, consecutiveFailures: () => 0 };
    let recoveryPointMs: number | null = 192_000;
    const summaries = () => [summary('stanza', 'pgbackrest', T - 3_600_000, recoveryPointMs), summary('nightly', 'dump-dir', T - 3_600_000, undefined)];
    const reader = new SourceMetricsReader({ engine: { summaries, currentConfig: config() }, store });
    const text = formatExposition(metricFamilies({ version: 't', sources: () => reader.samples() }));
    expect(text).toContain('backup_health_wal_missing_segments{source="stanza",kind="pgbackrest"} 4\n');
    expect(text).toContain('backup_health_recovery_point_seconds{source="stanza",kind="pgbackrest"} 192\n');
    // A dump directory keeps no WAL and its drills replay none: no sample of either.
    expect(text).not.toMatch(/backup_health_wal_missing_segments\{source="nightly"/);
    expect(text).not.toMatch(/backup_health_recovery_point_seconds\{source="nightly"/);
    expect(text).toContain('# TYPE backup_health_wal_missing_segments gauge');
    // A drill that replayed WAL but could not measure its recovery point: no sample, never 0.
    recoveryPointMs = null;
    expect(reader.samples()[0]!.recoveryPointMs).toBeUndefined();
  });
});
