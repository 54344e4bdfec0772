// What /metrics says of sources and channels, from samples: every family named as README lists it, a sample per
// source that has the figure, and none for what a source does not have (no backup is no sample, never 1970).
import { describe, expect, it } from 'vitest';
import { metricFamilies, type ChannelDeliveryState, type SourceMetricsSample } from '../../../electron/server/metrics';
import { formatExposition, type MetricFamily } from '../../../electron/server/metrics-format';
import { databaseMetricsSamples } from '../../../electron/server/metrics-sources';
import type { DatabaseSummary } from '../../../shared/databases';

const HOUR = 3_600_000;

function sample(overrides: Partial<SourceMetricsSample> & Pick<SourceMetricsSample, 'id'>): SourceMetricsSample {
  return {
    kind: 'dump-dir',
    status: 'ok',
    newestBackup: null,
    lastRestore: null,
    consecutiveFailures: 0,
    lastProbe: null,
    backupMaxAgeMs: 26 * HOUR,
    restoreMaxAgeMs: null,
    ...overrides,
  };
}

const byName = (families: MetricFamily[]) => Object.fromEntries(families.map((f) => [f.name, f]));
const values = (family: MetricFamily | undefined) => family?.samples.map((s) => [s.labels.source ?? s.labels.channel, s.value]);

describe('metricFamilies', () => {
  const sources = [
    sample({
      id: 'nightly',
      status: 'critical',
      newestBackup: { finishedAt: 1_700_000_000_500, sizeBytes: 52_428_800 },
      lastRestore: { at: 1_700_000_100_000, restoreMs: 83_250 },
      lastProbe: { at: 1_700_000_200_000, durationMs: 42 },
      restoreMaxAgeMs: 8 * 24 * HOUR,
    }),
    sample({ id: 'fresh-install', status: 'unknown', consecutiveFailures: 3, lastProbe: { at: 1_700_000_200_000, durationMs: 10_000 } }),
    sample({ id: 'orders-db', kind: 'postgres', status: 'warning', backupMaxAgeMs: null, lastRestore: { at: 1_700_000_000_000, restoreMs: null } }),
  ];
  const families = byName(metricFamilies({ version: '1.2.3', sources: () => sources }));

  it('says the engine is up and which version serves', () => {
    expect(families.backup_health_up!.samples).toEqual([{ labels: {}, value: 1 }]);
    expect(families.backup_health_build_info!.samples).toEqual([{ labels: { version: '1.2.3' }, value: 1 }]);
  });

  it('gives each source its status as 0 ok, 1 warning, 2 critical, 3 unknown, labelled source and kind', () => {
    expect(families.backup_health_source_status!.samples).toEqual([
      { labels: { source: 'nightly', kind: 'dump-dir' }, value: 2 },
      { labels: { source: 'fresh-install', kind: 'dump-dir' }, value: 3 },
      { labels: { source: 'orders-db', kind: 'postgres' }, value: 1 },
    ]);
  });

  it('gives times in Unix seconds and sizes in bytes, and no sample for what a source does not have', () => {
    expect(values(families.backup_health_newest_backup_timestamp_seconds)).toEqual([['nightly', 1_700_000_000.5]]);
    expect(values(families.backup_health_newest_backup_size_bytes)).toEqual([['nightly', 52_428_800]]);
    expect(values(families.backup_health_last_restore_timestamp_seconds)).toEqual([['nightly', 1_700_000_100], ['orders-db', 1_700_000_000]]);
    // A restore time not recorded is no sample, not 0 s.
    expect(values(families.backup_health_last_restore_duration_seconds)).toEqual([['nightly', 83.25]]);
    expect(values(families.backup_health_probe_consecutive_failures)).toEqual([['nightly', 0], ['fresh-install', 3], ['orders-db', 0]]);
    expect(values(families.backup_health_last_probe_duration_seconds)).toEqual([['nightly', 0.042], ['fresh-install', 10]]);
    expect(values(families.backup_health_last_probe_timestamp_seconds)).toEqual([['nightly', 1_700_000_200], ['fresh-install', 1_700_000_200]]);
    expect(values(families.backup_health_backup_max_age_seconds)).toEqual([['nightly', 93_600], ['fresh-install', 93_600]]);
    expect(values(families.backup_health_restore_max_age_seconds)).toEqual([['nightly', 691_200]]);
  });

  it('lists the channel families empty until the alert channels report, then one sample per channel that has the figure', () => {
    expect(values(families.backup_health_alert_channel_last_delivery_success)).toEqual([]);
    const channels: ChannelDeliveryState[] = [
      { id: 'ops-mail', kind: 'email', lastAttempt: { at: 1_700_000_300_000, ok: false }, lastSuccessAt: 1_700_000_000_000 },
      { id: 'ops-hook', kind: 'webhook', lastAttempt: { at: 1_700_000_300_000, ok: true }, lastSuccessAt: 1_700_000_300_000 },
      { id: 'pager', kind: 'command', lastAttempt: null, lastSuccessAt: null },
    ];
    const withChannels = byName(metricFamilies({ version: '1.2.3', sources: () => [], channels: () => channels }));
    expect(withChannels.backup_health_alert_channel_last_delivery_success!.samples).toEqual([
      { labels: { channel: 'ops-mail', kind: 'email' }, value: 0 },
      { labels: { channel: 'ops-hook', kind: 'webhook' }, value: 1 },
    ]);
    expect(values(withChannels.backup_health_alert_channel_last_delivery_timestamp_seconds)).toEqual([['ops-mail', 1_700_000_300], ['ops-hook', 1_700_000_300]]);
    expect(values(withChannels.backup_health_alert_channel_last_success_timestamp_seconds)).toEqual([['ops-mail', 1_700_000_000], ['ops-hook', 1_700_000_300]]);
  });

  it('names every family backup_health_*, gauges with a HELP text, base units in the name where there is one', () => {
    for (const family of Object.values(families)) {
      expect(family.name).toMatch(/^backup_health_[a-z_]+$/);
      expect(family.type).toBe('gauge');
      expect(family.help.length).toBeGreaterThan(10);
      if (/timestamp|duration|max_age/.test(family.name)) expect(family.name).toMatch(/_seconds$/);
      if (/size/.test(family.name)) expect(family.name).toMatch(/_bytes$/);
    }
    const text = formatExposition(metricFamilies({ version: '1.2.3', sources: () => sources }));
    expect(text).toContain('backup_health_newest_backup_timestamp_seconds{source="nightly",kind="dump-dir"} 1700000000.5\n');
    expect(text).not.toMatch(/newest_backup_timestamp_seconds\{source="fresh-install"/);
  });

  it('says of each database its status, whether its objectives are met (only where set), its best recovery point and last restore', () => {
    const summary = (fields: Partial<DatabaseSummary> & Pick<DatabaseSummary, 'key'>): DatabaseSummary => ({
      label: fields.key, name: null, server: null, sizeBytes: null, routines: [], lastRestore: null, bestRecoveryPoint: null, objectives: null, findings: [], status: 'ok', ...fields,
    });
    const proof = { sourceId: 'orders-pitr', at: 1_700_000_000_000, backupKey: 'b', restoreMs: 60_000, recoveryPointMs: 90_000 };
    const databases = databaseMetricsSamples([
      summary({ key: 'orders-db/orders', name: 'orders', server: { id: 'orders-db', name: 'Orders', status: 'ok', findings: [] }, status: 'critical', objectives: { rpoMs: 60_000, rtoMs: null, drillAgeMs: 8 * 24 * HOUR }, findings: [{ rule: 'database-objectives', status: 'critical', message: 'x' }], bestRecoveryPoint: proof, lastRestore: proof }),
      summary({ key: 'orders-db/crm', name: 'crm', server: { id: 'orders-db', name: 'Orders', status: 'ok', findings: [] }, objectives: { rpoMs: null, rtoMs: HOUR, drillAgeMs: HOUR } }),
      summary({ key: 'cluster:loose', status: 'warning' }),
    ]);
    const f = byName(metricFamilies({ version: '1', sources: () => [], databases: () => databases }));
    const of = (family: MetricFamily | undefined) => family?.samples.map((s) => [s.labels.database, s.labels.server, s.value]);
    expect(of(f.backup_health_database_status)).toEqual([['orders', 'orders-db', 2], ['crm', 'orders-db', 0], ['cluster:loose', '', 1]]);
    expect(of(f.backup_health_database_objectives_met)).toEqual([['orders', 'orders-db', 0], ['crm', 'orders-db', 1]]);
    expect(of(f.backup_health_database_recovery_point_seconds)).toEqual([['orders', 'orders-db', 90]]);
    expect(of(f.backup_health_database_last_restore_timestamp_seconds)).toEqual([['orders', 'orders-db', 1_700_000_000]]);
  });
});
