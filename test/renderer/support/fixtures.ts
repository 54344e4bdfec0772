// Canned API answers shaped like the engine's, with times relative to now so "3h ago" reads the same on every run.
import type { AlertChannelSettings, AlertChannelView, AlertChannelsData, EditableAlertChannel, BackupPoint, DrillPoint, Overview, OverviewSource, RangeId, SettingsData, SourceDetail } from '../../../shared/api';
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
