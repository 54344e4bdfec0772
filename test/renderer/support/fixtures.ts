// Canned API answers shaped like the engine's, with times relative to now so "3h ago" reads the same on every run.
import type { AlertChannelSettings, AlertChannelView, AlertChannelsData, EditableAlertChannel, BackupPoint, DatabaseBackupMark, DatabaseDetail, DatabaseDrillMark, DatabasesView, DrillPoint, Overview, OverviewSource, RangeId, SettingsData, SourceDetail } from '../../../shared/api';
import type { DatabaseRoutine, DatabaseSummary } from '../../../shared/databases';
import { RANGES } from '../../../shared/api';
import type { SeriesPoint, SourceSummary } from '../../../shared/model';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MB = 1024 * 1024;
export const CONFIG_FILE = '/home/admin/.config/backup-health/config.yml';

/**
 * Fixture times are half a minute older than they say: the page reads the clock a few milliseconds before
 * the fake answers, and "13d ago" must not come out as "12d 23h ago".
 */
const fixtureNow = () => Date.now() - 30_000;

const trend = (now: number, sizes: number[]) => sizes.map((sizeBytes, i) => ({ at: now - (sizes.length - i) * DAY, sizeBytes }));

export function overviewSources(now = fixtureNow()): OverviewSource[] {
  return [
    {
      id: 'nightly-dumps',
      name: 'Nightly dumps',
      kind: 'dump-dir',
      status: 'critical',
      findings: [
        { rule: 'backup-age', status: 'warning', message: 'newest backup is 20h old' },
        { rule: 'backup-size', status: 'critical', message: 'newest backup is 20 bytes, under the minimum of 1.0 MB' },
      ],
      lastPollAt: now - 60_000,
      newestBackup: { key: '/var/backups/pg/orders-0612.dump', finishedAt: now - 3 * HOUR, sizeBytes: 20, readable: true },
      lastRestore: null,
      sizeTrend: trend(now, [500 * MB, 510 * MB, 505 * MB, 520 * MB, 20]),
    },
    {
      id: 'db1',
      name: 'db1',
      kind: 'postgres',
      status: 'unknown',
      findings: [{ rule: 'probe-error', status: 'unknown', message: 'could not connect to db1:5432: connection refused' }],
      lastPollAt: now - 120_000,
      newestBackup: null,
      lastRestore: null,
      sizeTrend: [],
    },
    {
      id: 'weekly',
      name: 'Weekly full dumps',
      kind: 'dump-dir',
      host: 'backup@backup1',
      status: 'warning',
      findings: [{ rule: 'restore-drill', status: 'warning', message: 'no passing restore drill in the last 8d' }],
      lastPollAt: now - 60_000,
      newestBackup: { key: '/srv/weekly/full.dump', finishedAt: now - 2 * DAY, sizeBytes: 3 * 1024 * MB, readable: true },
      lastRestore: { at: now - 9 * DAY, restoreMs: 252_000, backupKey: '/srv/weekly/full-old.dump' },
      sizeTrend: trend(now, [3 * 1024 * MB, 3 * 1024 * MB]),
    },
    {
      id: 'reports',
      name: 'Reports',
      kind: 'dump-dir',
      status: 'ok',
      findings: [],
      lastPollAt: now - 60_000,
      newestBackup: { key: '/srv/reports/r.dump', finishedAt: now - 2 * HOUR, sizeBytes: 1.2 * 1024 * MB, readable: true },
      lastRestore: { at: now - DAY, restoreMs: 65_000, backupKey: '/srv/reports/r.dump' },
      sizeTrend: trend(now, [1.1 * 1024 * MB, 1.15 * 1024 * MB, 1.2 * 1024 * MB]),
    },
  ];
}

export function overviewFixture(sources = overviewSources()): Overview {
  const counts = { ok: 0, warning: 0, critical: 0, unknown: 0 };
  for (const s of sources) counts[s.status]++;
  return { generatedAt: Date.now(), counts, sources, configFile: CONFIG_FILE };
}

/** Backup age every 6 hours, in hours: crosses the 26h max age twice (32h, then 28h). */
export const AGE_HOURS = [2, 8, 14, 20, 26, 32, 4, 10, 16, 22, 28, 6];

export function ageSeries(now: number): SeriesPoint[] {
  const start = now - AGE_HOURS.length * 6 * HOUR;
  return AGE_HOURS.map((hours, i) => ({ at: start + i * 6 * HOUR, value: hours * HOUR }));
}

/** The dump directory every 6 hours, in MB: grows, then a cleanup gone wrong takes it from 3,600 to 900 MB. */
export const STORED_MB = [3000, 3100, 3200, 3300, 3400, 3500, 3600, 900, 1000];

export function storedSeries(now: number): SeriesPoint[] {
  const start = now - STORED_MB.length * 6 * HOUR;
  return STORED_MB.map((mb, i) => ({ at: start + i * 6 * HOUR, value: mb * MB }));
}

export function backupPoints(now: number): BackupPoint[] {
  const sizes = [500, 505, 510, 0, 512, 515, 518, 520, 522, 0];
  return sizes.map((mb, i) => {
    const key = `/var/backups/pg/orders-${String(i + 1).padStart(2, '0')}.dump`;
    const base = { key, finishedAt: now - (sizes.length - i) * DAY, readable: true, problem: null, anomaly: null };
    if (i === 3) return { ...base, sizeBytes: 0, readable: false, problem: 'the file is empty (0 bytes)', anomaly: 'unreadable' as const };
    if (i === 9) return { ...base, sizeBytes: 20, anomaly: 'small' as const };
    return { ...base, sizeBytes: mb * MB };
  });
}

export function drillPoints(now: number): DrillPoint[] {
  return [
    { id: 1, finishedAt: now - 20 * DAY, outcome: 'pass', restoreMs: 240_000, durationMs: 250_000, backupKey: '/var/backups/pg/orders-01.dump', message: 'restored 12 tables, 1,204,332 rows; 2 checks passed' },
    { id: 2, finishedAt: now - 13 * DAY, outcome: 'pass', restoreMs: 252_000, durationMs: 260_000, backupKey: '/var/backups/pg/orders-02.dump', message: 'restored 12 tables, 1,210,001 rows; 2 checks passed' },
    { id: 3, finishedAt: now - 6 * DAY, outcome: 'fail', restoreMs: null, durationMs: 4_000, backupKey: '/var/backups/pg/orders-04.dump', message: 'pg_restore: error: input file is too short' },
    { id: 4, finishedAt: now - DAY, outcome: 'error', restoreMs: null, durationMs: 800, backupKey: '/var/backups/pg/orders-10.dump', message: 'no pg_restore can read this archive; install postgresql-client-17' },
  ];
}

export function summaryFixture(id: string, now = fixtureNow()): SourceSummary {
  return {
    id,
    name: id === 'nightly-dumps' ? 'Nightly dumps' : id,
    kind: 'dump-dir',
    status: 'critical',
    findings: [{ rule: 'backup-size', status: 'critical', message: 'newest backup is 20 bytes, under the minimum of 1.0 MB' }],
    lastPollAt: now - 60_000,
    newestBackup: { key: '/var/backups/pg/orders-10.dump', finishedAt: now - DAY, sizeBytes: 20, readable: true },
    lastRestore: { at: now - 13 * DAY, restoreMs: 252_000, backupKey: '/var/backups/pg/orders-02.dump' },
  };
}

export function sourceDetailFixture(id: string, range: RangeId, now = fixtureNow()): SourceDetail {
  return {
    summary: summaryFixture(id, now),
    range,
    from: now - RANGES[range],
    to: now,
    maxAgeMs: 26 * HOUR,
    ageSeries: ageSeries(now),
    storedSeries: storedSeries(now),
    storedLabel: 'Dump directory size',
    backups: backupPoints(now),
    drills: drillPoints(now),
    events: [
      { id: 2, at: now - DAY, sourceId: id, from: 'ok', to: 'critical', findings: [{ rule: 'backup-size', status: 'critical', message: 'newest backup is 20 bytes' }] },
      { id: 1, at: now - 10 * DAY, sourceId: id, from: null, to: 'ok', findings: [] },
    ],
    findings: [{ rule: 'backup-size', status: 'critical', message: 'newest backup is 20 bytes, under the minimum of 1.0 MB' }],
    drillable: true,
    maxRecoveryPointMs: null,
    walWindows: [],
    walArchive: null,
  };
}

export function settingsFixture(overrides: Partial<SettingsData> = {}): SettingsData {
  return {
    configFile: CONFIG_FILE,
    sources: [
      { id: 'db1', kind: 'postgres', url: 'postgres://monitor@db1:5432/postgres', passwordEnv: 'DB1_PASSWORD', standbys: ['replica-a', 'replica-b'] },
      {
        id: 'nightly-dumps',
        name: 'Nightly dumps',
        kind: 'dump-dir',
        path: '/var/backups/pg',
        pattern: 'orders-*.dump',
        maxAge: '26h',
        minSize: '1MB',
        database: 'db1',
        drill: { every: '7d', jobs: 4, checks: [{ name: 'orders present', sql: 'select count(*) > 0 from orders' }] },
      },
    ],
    defaults: { maxAge: '26h' },
    kinds: ['postgres', 'dump-dir'],
    canStorePasswords: false,
    ...overrides,
  };
}

/** No channels configured: what most pages see. */
export function alertChannelsFixture(overrides: Partial<AlertChannelsData> = {}): AlertChannelsData {
  return { sending: true, sender: 'alerts sent by this process', channels: [], heartbeat: null, ...overrides };
}

/** A webhook that delivers, one failing e-mail channel, and a command channel (config-file only). */
export function alertChannelsWithFailure(now = fixtureNow()): AlertChannelsData {
  const channels: AlertChannelView[] = [
    {
      id: 'ops-hook',
      kind: 'webhook',
      target: 'hooks.example.com',
      minStatus: 'critical',
      remindEvery: DAY,
      recoveries: true,
      fileOnly: [],
      lastDelivery: { at: now - 2 * HOUR, ok: true, purpose: 'status', title: 'Backup Health: Orders dumps is critical (was ok)', httpStatus: 200 },
      failing: null,
    },
    {
      id: 'ops-mail',
      kind: 'email',
      target: 'ops@example.com',
      minStatus: 'warning',
      sources: ['nightly-dumps'],
      recoveries: false,
      fileOnly: [],
      lastDelivery: { at: now - HOUR, ok: false, purpose: 'status', title: 'Backup Health: Nightly dumps is critical (was ok)', replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy' },
      failing: { status: 'critical', message: 'e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10', undelivered: 3 },
    },
    {
      id: 'pager',
      kind: 'command',
      target: 'page-oncall',
      minStatus: 'critical',
      recoveries: true,
      fileOnly: [{ field: 'command', why: 'it names a program Backup Health runs' }],
      lastDelivery: null,
      failing: null,
    },
  ];
  return alertChannelsFixture({ channels, heartbeat: { target: 'hc-ping.com', every: 5 * 60_000, lastPing: { at: now - 60_000, ok: true, purpose: 'status', title: 'heartbeat', httpStatus: 200 } } });
}

/** The channels of alertChannelsWithFailure as the config file has them, for the edit forms (secrets left out). */
export function alertChannelSettingsFixture(overrides: Partial<AlertChannelSettings> = {}): AlertChannelSettings {
  const channels: EditableAlertChannel[] = [
    { id: 'ops-hook', fields: { id: 'ops-hook', kind: 'webhook', minStatus: 'critical', remindEvery: '24h' }, kept: { url: 'hooks.example.com' }, fileOnly: [] },
    {
      id: 'ops-mail',
      fields: { id: 'ops-mail', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', sources: ['nightly-dumps'], recoveries: false, smtp: { host: 'mail.example.com', port: 587, user: 'bh', passwordEnv: 'SMTP_PASSWORD' } },
      kept: {},
      fileOnly: [{ field: 'smtp.passwordEnv', why: "it sends one of Backup Health's environment variables to wherever the channel points" }],
    },
    {
      id: 'pager',
      fields: { id: 'pager', kind: 'command', command: ['/usr/local/bin/page-oncall', '--team', 'dba'], minStatus: 'critical' },
      kept: {},
      fileOnly: [{ field: 'command', why: 'it names a program Backup Health runs' }],
    },
  ];
  return { configFile: CONFIG_FILE, canStorePasswords: true, channels, ...overrides };
}

export const ORDERS_KEY = 'shop-db/orders';
export const ORDERS_MISSED = 'orders on shop-db misses its recovery objectives: best proven recovery point 5h, over its rpo 1h: only nightly-dumps (dump-dir) reaches it within 8d; the last drill of orders-pitr (pgbackrest) failed: pg_restore: error: input file is too short';
export const BILLING_UNHELD = "no backup holds billing on shop-db: no backup source's backups hold it; link a backup source to its server with database: and dump it, or back up the whole cluster";

/** orders' routines: nightly dumps that restore (5h recovery point), and a pgBackRest stanza whose last drill failed. */
export function ordersRoutines(now = fixtureNow()): DatabaseRoutine[] {
  return [
    {
      sourceId: 'orders-pitr',
      name: 'Orders PITR',
      kind: 'pgbackrest',
      host: 'backup@backup1',
      status: 'critical',
      finding: 'the last restore drill of 20261203-010000F failed: pg_restore: error: input file is too short',
      holds: 'cluster',
      everyDrill: true,
      newestBackupAt: now - 2 * DAY,
      lastDrill: { at: now - DAY, outcome: 'fail', message: 'pg_restore: error: input file is too short' },
      lastRestore: { sourceId: 'orders-pitr', at: now - 12 * DAY, backupKey: '20261122-010000F', restoreMs: 600_000, recoveryPointMs: 30_000 },
    },
    {
      sourceId: 'nightly-dumps',
      name: 'Nightly dumps',
      kind: 'dump-dir',
      status: 'ok',
      finding: null,
      holds: 'dumps',
      everyDrill: true,
      newestBackupAt: now - 3 * HOUR,
      lastDrill: { at: now - 2 * DAY, outcome: 'pass', message: 'restored 12 tables' },
      lastRestore: { sourceId: 'nightly-dumps', at: now - 2 * DAY, backupKey: '/var/backups/pg/orders-09.dump', restoreMs: 252_000, recoveryPointMs: 5 * HOUR },
    },
  ];
}

/** Worst first, as the engine sorts: billing (held by nothing), orders (objectives missed), a cluster backed up whole, analytics (ok). */
export function databaseRows(now = fixtureNow()): DatabaseSummary[] {
  const routines = ordersRoutines(now);
  return [
    {
      key: 'shop-db/billing',
      label: 'billing on shop-db',
      name: 'billing',
      server: { id: 'shop-db', name: 'Shop server', status: 'ok', findings: [] },
      sizeBytes: 80 * MB,
      routines: [],
      lastRestore: null,
      bestRecoveryPoint: null,
      objectives: { rpoMs: DAY, rtoMs: null, drillAgeMs: 8 * DAY },
      findings: [{ rule: 'database-coverage', status: 'critical', message: BILLING_UNHELD, observed: null, limit: null }],
      status: 'critical',
    },
    {
      key: ORDERS_KEY,
      label: 'orders on shop-db',
      name: 'orders',
      server: { id: 'shop-db', name: 'Shop server', status: 'ok', findings: [] },
      sizeBytes: 3 * 1024 * MB,
      routines,
      lastRestore: routines[1]!.lastRestore,
      bestRecoveryPoint: routines[1]!.lastRestore,
      objectives: { rpoMs: HOUR, rtoMs: 30 * 60_000, drillAgeMs: 8 * DAY },
      findings: [{ rule: 'database-objectives', status: 'critical', message: ORDERS_MISSED, observed: null, limit: null }],
      status: 'critical',
    },
    {
      key: 'cluster:reports-base',
      label: 'what reports-base holds',
      name: null,
      server: null,
      sizeBytes: null,
      routines: [
        { sourceId: 'reports-base', name: 'Reports base backups', kind: 'basebackup', status: 'warning', finding: 'no restore drill of Reports base backups has passed yet', holds: 'cluster', everyDrill: true, newestBackupAt: now - DAY, lastDrill: null, lastRestore: null },
      ],
      lastRestore: null,
      bestRecoveryPoint: null,
      objectives: null,
      findings: [],
      status: 'warning',
    },
    {
      key: '~/analytics',
      label: 'analytics',
      name: 'analytics',
      server: null,
      sizeBytes: null,
      routines: [
        {
          sourceId: 'analytics-dumps',
          name: 'analytics-dumps',
          kind: 'dump-dir',
          status: 'ok',
          finding: null,
          holds: 'dumps',
          everyDrill: true,
          newestBackupAt: now - 5 * HOUR,
          lastDrill: { at: now - DAY, outcome: 'pass', message: 'restored 3 tables' },
          lastRestore: { sourceId: 'analytics-dumps', at: now - DAY, backupKey: '/srv/analytics/a.dump', restoreMs: 20_000, recoveryPointMs: 6 * HOUR },
        },
      ],
      lastRestore: { sourceId: 'analytics-dumps', at: now - DAY, backupKey: '/srv/analytics/a.dump', restoreMs: 20_000, recoveryPointMs: 6 * HOUR },
      bestRecoveryPoint: { sourceId: 'analytics-dumps', at: now - DAY, backupKey: '/srv/analytics/a.dump', restoreMs: 20_000, recoveryPointMs: 6 * HOUR },
      objectives: null,
      findings: [],
      status: 'ok',
    },
  ];
}

export function databasesFixture(databases = databaseRows()): DatabasesView {
  const counts = { ok: 0, warning: 0, critical: 0, unknown: 0 };
  for (const d of databases) counts[d.status]++;
  return { generatedAt: Date.now(), counts, databases };
}

/**
 * orders over the range: ten nightly dumps (one unreadable) and three pgBackRest fulls on one axis; drills of
 * the dumps that passed with a 5-6h recovery point in 4-5 min, over the 1h rpo; two pgBackRest drills, one that
 * proved 30s in 10 min (over the 30 min rto), then one that failed.
 */
export function databaseDetailFixture(key: string, range: RangeId, now = fixtureNow()): DatabaseDetail {
  const summary = databaseRows(now).find((d) => d.key === key) ?? databaseRows(now)[1]!;
  const dumps: DatabaseBackupMark[] = Array.from({ length: 10 }, (_, i) => ({
    sourceId: 'nightly-dumps',
    key: `/var/backups/pg/orders-${String(i + 1).padStart(2, '0')}.dump`,
    finishedAt: now - (10 - i) * DAY,
    sizeBytes: i === 3 ? 0 : 500 * MB,
    readable: i !== 3,
  }));
  const fulls: DatabaseBackupMark[] = [9, 5, 2].map((days) => ({ sourceId: 'orders-pitr', key: `full-${days}`, finishedAt: now - days * DAY - HOUR, sizeBytes: 3 * 1024 * MB, readable: true }));
  const drills: DatabaseDrillMark[] = [
    { sourceId: 'nightly-dumps', id: 1, finishedAt: now - 9 * DAY, outcome: 'pass', backupKey: dumps[0]!.key, restoreMs: 240_000, recoveryPointMs: 6 * HOUR, message: 'restored 12 tables' },
    { sourceId: 'orders-pitr', id: 2, finishedAt: now - 8 * DAY, outcome: 'pass', backupKey: 'full-9', restoreMs: 600_000 * 4, recoveryPointMs: 30_000, message: 'replayed to 30s behind' },
    { sourceId: 'nightly-dumps', id: 3, finishedAt: now - 5 * DAY, outcome: 'pass', backupKey: dumps[4]!.key, restoreMs: 250_000, recoveryPointMs: 5 * HOUR, message: 'restored 12 tables' },
    { sourceId: 'nightly-dumps', id: 4, finishedAt: now - 2 * DAY, outcome: 'pass', backupKey: dumps[7]!.key, restoreMs: 252_000, recoveryPointMs: 5 * HOUR, message: 'restored 12 tables' },
    { sourceId: 'orders-pitr', id: 5, finishedAt: now - DAY, outcome: 'fail', backupKey: 'full-2', restoreMs: null, recoveryPointMs: null, message: 'pg_restore: error: input file is too short' },
  ];
  const backups = [...dumps, ...fulls].sort((a, b) => a.finishedAt - b.finishedAt);
  // The age of the newest readable backup of either routine: a sawtooth's corners, as the engine sends them.
  const ageSeries: SeriesPoint[] = [];
  let newest: number | null = null;
  for (const b of backups.filter((x) => x.readable)) {
    if (newest !== null) ageSeries.push({ at: b.finishedAt - 1, value: b.finishedAt - 1 - newest });
    ageSeries.push({ at: b.finishedAt, value: 0 });
    newest = b.finishedAt;
  }
  if (newest !== null) ageSeries.push({ at: now, value: now - newest });
  return { summary, range, from: now - RANGES[range], to: now, backups, drills, ageSeries };
}
