// What `serve`'s /metrics says: the figures of each source (and, once alert channels report them, each channel)
// as Prometheus metric families. Pure: metrics-sources.ts reads the engine and the history into samples, and
// each collector below turns one kind of sample into families. Names follow Prometheus conventions (base units:
// seconds, bytes; `_timestamp_seconds` for Unix times); README's "Prometheus" section lists them.
import type { Status } from '../../shared/model';
import type { MetricFamily, MetricSample } from './metrics-format';

/** What /metrics reports of one source: read from the engine's summary and the history (metrics-sources.ts). */
export interface SourceMetricsSample {
  id: string;
  kind: string;
  status: Status;
  /** The newest backup present, as the dashboard shows it; null: none yet (no sample, never 1970). */
  newestBackup: { finishedAt: number; sizeBytes: number } | null;
  /** The last passing restore drill: when it finished, and how long its restore took (null: not recorded). */
  lastRestore: { at: number; restoreMs: number | null } | null;
  /** Failed polls in a row up to now (0 after a successful one). */
  consecutiveFailures: number;
  /** The newest poll, successful or not (when it started, how long it took); null before the first. */
  lastProbe: { at: number; durationMs: number } | null;
  /** The backup age over which the source is critical (maxAge), for backup sources; null for postgres servers. */
  backupMaxAgeMs: number | null;
  /** The drill.maxAge the config sets for this source; null when it sets none. */
  restoreMaxAgeMs: number | null;
  /**
   * WAL segments missing from the archive between the oldest base backup's start and the newest segment, at
   * the newest successful poll, for kinds that keep WAL; absent for the others and before the first check.
   */
  walMissingSegments?: number | null;
  /** The recovery point the last passing drill reached (Drill.recovery.recoveryPointMs); absent when not measured. */
  recoveryPointMs?: number | null;
}

/**
 * One alert channel's delivery state, for the alert channels (electron/engine/alerts/) to provide: `serve` passes
 * a function returning these (MetricsInput.channels); until then there are none, and the channel families are
 * listed with no samples.
 */
export interface ChannelDeliveryState {
  /** The channel's id in the config (`alerts.channels[].id`). */
  id: string;
  /** email, webhook, ntfy, slack, command. */
  kind: string;
  /** The last delivery attempt: when it ended and whether it was delivered; null before the first. */
  lastAttempt: { at: number; ok: boolean } | null;
  /** When the channel last delivered; null: never. */
  lastSuccessAt: number | null;
}

/** What /metrics reports of one database (electron/engine/databases/): its status and what drills proved of it. */
export interface DatabaseMetricsSample {
  /** Its name; for a cluster or dumps that name none, its key (cluster:<source id>, source:<source id>). */
  database: string;
  /** The postgres source watching its server; '' when none is linked. */
  server: string;
  status: Status;
  /** Whether a drill proved its objectives; null when it has none (no sample). */
  objectivesMet: boolean | null;
  /** The best recovery point a passing drill proved within drillAge; null: none measured. */
  bestRecoveryPointMs: number | null;
  /** The newest passing drill that restored it; null: none. */
  lastRestoreAt: number | null;
  /** How many routines (backup sources) hold it. */
  routines: number;
}

export interface MetricsInput {
  version: string;
  sources(): SourceMetricsSample[];
  /** Each database; absent: none reported. */
  databases?(): DatabaseMetricsSample[];
  /** The alert channels' delivery states; absent: no channels report yet. */
  channels?(): ChannelDeliveryState[];
}

export const STATUS_VALUE: Readonly<Record<Status, number>> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

/** Every family /metrics emits, in order: the engine's, then each source's, then each channel's. */
export function metricFamilies(input: MetricsInput): MetricFamily[] {
  return [...engineFamilies(input.version), ...sourceFamilies(input.sources()), ...databaseFamilies(input.databases?.() ?? []), ...channelFamilies(input.channels?.() ?? [])];
}

function engineFamilies(version: string): MetricFamily[] {
  return [
    { name: 'backup_health_up', help: 'Whether the Backup Health engine is running (1); scrape failures and absent() say when it is not.', type: 'gauge', samples: [{ labels: {}, value: 1 }] },
    { name: 'backup_health_build_info', help: 'The Backup Health version serving these metrics, as a label; always 1.', type: 'gauge', samples: [{ labels: { version }, value: 1 }] },
  ];
}

const seconds = (ms: number) => ms / 1000;

/** One family per figure, a sample per source that has it: a source with no backup has no newest-backup sample. */
function sourceFamilies(sources: SourceMetricsSample[]): MetricFamily[] {
  // One labels object per source, shared by its samples, so the formatter escapes each source's labels once.
  const labels = sources.map((source) => ({ source: source.id, kind: source.kind }));
  const family = (name: string, help: string, value: (s: SourceMetricsSample) => number | null | undefined): MetricFamily => {
    const samples: MetricSample[] = [];
    sources.forEach((source, i) => {
      const v = value(source);
      if (v !== null && v !== undefined) samples.push({ labels: labels[i]!, value: v });
    });
    return { name, help, type: 'gauge', samples };
  };
  return [
    family('backup_health_source_status', "The source's status: 0 ok, 1 warning, 2 critical, 3 unknown.", (s) => STATUS_VALUE[s.status]),
    family('backup_health_newest_backup_timestamp_seconds', 'When the newest backup present finished (Unix time); no sample while the source has none.', (s) => s.newestBackup && seconds(s.newestBackup.finishedAt)),
    family('backup_health_newest_backup_size_bytes', 'The size of the newest backup present.', (s) => s.newestBackup?.sizeBytes),
    family('backup_health_backup_max_age_seconds', "The source's maxAge: a newest backup older than this is critical.", (s) => s.backupMaxAgeMs !== null ? seconds(s.backupMaxAgeMs) : null),
    family('backup_health_last_restore_timestamp_seconds', 'When the last passing restore drill finished (Unix time); no sample before the first.', (s) => s.lastRestore && seconds(s.lastRestore.at)),
    family('backup_health_last_restore_duration_seconds', 'How long the restore of the last passing restore drill took.', (s) => s.lastRestore?.restoreMs != null ? seconds(s.lastRestore.restoreMs) : null),
    family('backup_health_restore_max_age_seconds', "The source's drill.maxAge: no passing drill within it is a warning; no sample where the config sets none.", (s) => s.restoreMaxAgeMs !== null ? seconds(s.restoreMaxAgeMs) : null),
    family('backup_health_wal_missing_segments', 'WAL segments missing from the archive between the oldest base backup and the newest archived segment (0: point-in-time recovery reaches the newest); kinds that keep WAL only.', (s) => s.walMissingSegments),
    family('backup_health_recovery_point_seconds', "How far behind the drill's start the last passing restore drill could recover (its recovery point); no sample when a drill did not measure it.", (s) => s.recoveryPointMs != null ? seconds(s.recoveryPointMs) : null),
    family('backup_health_probe_consecutive_failures', 'Failed polls of the source in a row, up to now.', (s) => s.consecutiveFailures),
    family('backup_health_last_probe_timestamp_seconds', 'When the newest poll of the source started (Unix time), successful or not.', (s) => s.lastProbe && seconds(s.lastProbe.at)),
    family('backup_health_last_probe_duration_seconds', 'How long the newest poll of the source took.', (s) => s.lastProbe && seconds(s.lastProbe.durationMs)),
  ];
}

function databaseFamilies(databases: DatabaseMetricsSample[]): MetricFamily[] {
  const labels = databases.map((d) => ({ database: d.database, server: d.server }));
  const family = (name: string, help: string, value: (d: DatabaseMetricsSample) => number | null): MetricFamily => {
    const samples: MetricSample[] = [];
    databases.forEach((d, i) => {
      const v = value(d);
      if (v !== null) samples.push({ labels: labels[i]!, value: v });
    });
    return { name, help, type: 'gauge', samples };
  };
  return [
    family('backup_health_database_status', "The database's status: the worst of its own findings (no backup holds it, objectives missed) and its routines' statuses. 0 ok, 1 warning, 2 critical, 3 unknown.", (d) => STATUS_VALUE[d.status]),
    family('backup_health_database_objectives_met', 'Whether a passing restore drill within drillAge proved the database\'s rpo and rto (1) or not (0); no sample where `databases:` sets no objectives for it.', (d) => (d.objectivesMet === null ? null : d.objectivesMet ? 1 : 0)),
    family('backup_health_database_recovery_point_seconds', 'The best recovery point a passing restore drill proved for the database within drillAge; no sample when none was measured.', (d) => (d.bestRecoveryPointMs === null ? null : seconds(d.bestRecoveryPointMs))),
    family('backup_health_database_last_restore_timestamp_seconds', 'When the newest passing restore drill of the database finished (Unix time); no sample before the first.', (d) => (d.lastRestoreAt === null ? null : seconds(d.lastRestoreAt))),
    family('backup_health_database_routines', 'How many backup sources hold the database.', (d) => d.routines),
  ];
}

function channelFamilies(channels: ChannelDeliveryState[]): MetricFamily[] {
  const labels = channels.map((channel) => ({ channel: channel.id, kind: channel.kind }));
  const family = (name: string, help: string, value: (c: ChannelDeliveryState) => number | null): MetricFamily => {
    const samples: MetricSample[] = [];
    channels.forEach((channel, i) => {
      const v = value(channel);
      if (v !== null) samples.push({ labels: labels[i]!, value: v });
    });
    return { name, help, type: 'gauge', samples };
  };
  return [
    family('backup_health_alert_channel_last_delivery_success', "Whether the channel's last delivery attempt was delivered (1) or failed (0); no sample before the first.", (c) => c.lastAttempt && (c.lastAttempt.ok ? 1 : 0)),
    family('backup_health_alert_channel_last_delivery_timestamp_seconds', "When the channel's last delivery attempt ended (Unix time).", (c) => c.lastAttempt && seconds(c.lastAttempt.at)),
    family('backup_health_alert_channel_last_success_timestamp_seconds', 'When the channel last delivered (Unix time); no sample if it never has.', (c) => c.lastSuccessAt !== null ? seconds(c.lastSuccessAt) : null),
  ];
}
