// Builders for health-rule inputs: realistic defaults, override only what a case is about.
import { judgeable } from '../../../electron/engine/sources/evaluate';
import { defaultsSchema, dumpDirSourceSchema, postgresSourceSchema } from '../../../shared/config';
import type { ArchiverState, BackupRecord, DumpHeader, Poll, PostgresMetrics, StandbyState } from '../../../shared/model';
import type { EvaluationInput } from '../../../electron/engine/health/types';

export const NOW = Date.UTC(2024, 4, 2, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MB = 1024 ** 2;
export const GB = 1024 ** 3;

export const defaults = defaultsSchema.parse({});

export function dumpDirSource(overrides: Record<string, unknown> = {}) {
  return dumpDirSourceSchema.parse({ id: 'orders-dumps', kind: 'dump-dir', path: '/var/backups/orders', pattern: '*.dump', ...overrides });
}

export function postgresSource(overrides: Record<string, unknown> = {}) {
  return postgresSourceSchema.parse({ id: 'orders-db', kind: 'postgres', url: 'postgres://monitor@db1.example.com:5432/orders', ...overrides });
}

export function header(overrides: Partial<DumpHeader> = {}): DumpHeader {
  return {
    format: 'custom',
    archiveVersion: '1.14',
    dbName: 'orders',
    serverVersion: '15.18 (Debian 15.18-0+deb12u1)',
    pgDumpVersion: '15.18 (Debian 15.18-0+deb12u1)',
    ...overrides,
  };
}

/** A dump that finished `ago` ms before NOW. */
export function dump(name: string, ago: number, sizeBytes: number, extra: Partial<BackupRecord> & { header?: DumpHeader | null } = {}): BackupRecord {
  const { header: h, ...rest } = extra;
  return {
    sourceId: 'orders-dumps',
    key: `/var/backups/orders/${name}`,
    type: 'dump',
    finishedAt: NOW - ago,
    firstSeenAt: NOW - ago,
    sizeBytes,
    readable: true,
    problem: null,
    meta: h === null ? {} : { header: h ?? header() },
    ...rest,
  };
}

/** Daily dumps of `sizeBytes`, the newest `firstAgo` before NOW, newest first. */
export function dailyDumps(count: number, sizeBytes: number | number[], firstAgo = 2 * HOUR): BackupRecord[] {
  return Array.from({ length: count }, (_, i) =>
    dump(`orders-${String(30 - i).padStart(2, '0')}.dump`, firstAgo + i * DAY, Array.isArray(sizeBytes) ? sizeBytes[i]! : sizeBytes),
  );
}

export function archiver(overrides: Partial<ArchiverState> = {}): ArchiverState {
  return {
    archiveMode: 'on',
    archivedCount: 120,
    lastArchivedWal: '000000010000000000000077',
    lastArchivedAt: NOW - 2 * MINUTE,
    failedCount: 0,
    lastFailedWal: null,
    lastFailedAt: null,
    ...overrides,
  };
}

export function standby(applicationName: string, overrides: Partial<StandbyState> = {}): StandbyState {
  return {
    applicationName,
    clientAddr: '10.0.0.12',
    state: 'streaming',
    syncState: 'async',
    writeLagMs: 10,
    flushLagMs: 20,
    replayLagMs: 30,
    ...overrides,
  };
}

export function pgMetrics(overrides: Partial<PostgresMetrics> = {}): PostgresMetrics {
  return {
    kind: 'postgres',
    serverVersion: '15.18 (Debian 15.18-0+deb12u1)',
    serverVersionNum: 150018,
    serverMajor: 15,
    inRecovery: false,
    databases: [
      { name: 'postgres', sizeBytes: 7 * MB },
      { name: 'orders', sizeBytes: 2 * GB },
    ],
    archiver: archiver(),
    standbys: [],
    replayDelayMs: null,
    ...overrides,
  };
}

export function okPoll(sourceId: string, metrics: Poll['metrics'], at = NOW): Poll {
  return { sourceId, at, durationMs: 40, ok: true, error: null, metrics, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'ok' };
}

export function failedPoll(sourceId: string, error: Poll['error'], at = NOW): Poll {
  return { sourceId, at, durationMs: 30_000, ok: false, error, metrics: null, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'unknown' };
}

/** A dump-dir input whose latest poll saw `backups` (history defaults to the same backups). */
export function dumpDirInput(overrides: Partial<EvaluationInput> = {}): EvaluationInput {
  const backups = overrides.backups ?? dailyDumps(3, 1 * GB);
  return judgeable({
    source: dumpDirSource(),
    defaults,
    now: NOW,
    latest: okPoll('orders-dumps', { kind: 'dump-dir', fileCount: backups.length, totalBytes: 0, inProgress: 0 }),
    consecutiveFailures: 0,
    backups,
    history: overrides.history ?? (backups as BackupRecord[]),
    ...overrides,
  });
}

export function postgresInput(metrics: PostgresMetrics = pgMetrics(), overrides: Partial<EvaluationInput> = {}): EvaluationInput {
  return judgeable({
    source: postgresSource(),
    defaults,
    now: NOW,
    latest: okPoll('orders-db', metrics),
    consecutiveFailures: 0,
    backups: [],
    history: [],
    coveringSources: [{ id: 'orders-dumps', kind: 'dump-dir', databases: ['orders'] }],
    ...overrides,
  });
}
