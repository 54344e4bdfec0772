// THE contract between the dashboard and the engine. Every call the UI makes is declared here once;
// electron/main (IPC), electron/preload (window.backupHealth), electron/server (HTTP + SSE) and
// renderer/api (the client) are all derived from it. No Node or DOM APIs here.
import type { ConfigProblem } from './config';
import type { DatabaseSummary } from './databases';
import type { Drill, DrillProgress, DrillProvenance, Finding, RecoveryReached, SeriesPoint, SourceKind, SourceSummary, Status, StatusEvent, WalArchiveSummary } from './model';

export type RangeId = '7d' | '30d' | '1y';
export const RANGES: Record<RangeId, number> = { '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '1y': 365 * 86_400_000 };

/** Whether a value from the wire is one of the RANGES: an own key only, so "__proto__" or "toString" never is. */
export function isRangeId(value: unknown): value is RangeId {
  return typeof value === 'string' && Object.hasOwn(RANGES, value);
}

/** Charts never get more points than this; the engine reduces the series. */
export const MAX_CHART_POINTS = 1000;

export interface OverviewSource extends SourceSummary {
  /** Sizes of the recent backups, oldest first, for a sparkline. */
  sizeTrend: { at: number; sizeBytes: number }[];
}

export interface Overview {
  generatedAt: number;
  counts: Record<Status, number>;
  /** Worst first, then by id. */
  sources: OverviewSource[];
  /** Where the config lives, for the first-run hint. */
  configFile: string;
}

/** Why a backup stands out on the size chart. */
export type BackupAnomaly = 'unreadable' | 'small' | null;

export interface BackupPoint {
  key: string;
  finishedAt: number;
  sizeBytes: number;
  readable: boolean;
  problem: string | null;
  anomaly: BackupAnomaly;
}

export interface DrillPoint {
  id: number;
  finishedAt: number;
  outcome: Drill['outcome'];
  /** Restore + verify: what a user would wait for in a real restore. */
  restoreMs: number | null;
  durationMs: number;
  backupKey: string;
  message: string;
  /** What a drill that replayed WAL reached (basebackup, pgBackRest); absent for dump drills and drills that stopped before replaying. */
  recovery?: RecoveryReached;
  /** Where it ran, with what, and the backup's SHA-256 (issue 17); absent for drills recorded before these were kept. */
  provenance?: DrillProvenance;
}

/**
 * The recoverable window at one poll (or the worst poll of a bucket of them): from when the oldest base
 * backup's start segment was archived to when the newest segment was archived, across the timelines followed.
 */
export interface WalWindowPoint {
  at: number;
  /** Start and end of the window (archive times); null when the archive did not give them. */
  from: number | null;
  to: number | null;
  /** Segments missing in the archive at that poll: point-in-time recovery stops at the first gap. */
  missing: number;
  /** When the last segment before the first gap was archived: the latest time a recovery can reach (null: no gap, or the first segment is missing). */
  stopsAt: number | null;
}

/** The WAL archive as the newest poll that judged it saw it. */
export interface WalArchiveView {
  /** When that poll ran. */
  at: number;
  summary: WalArchiveSummary | null;
  /** Why the archive could not be judged, when summary is null. */
  error: string | null;
}

export interface SourceDetail {
  summary: SourceSummary;
  range: RangeId;
  from: number;
  to: number;
  /** The source's maxAge, for the threshold line on the backup-age chart (null for kinds without one). */
  maxAgeMs: number | null;
  /** Backup age over time, from the backups' finish times (the first corner is the oldest backup's), at most MAX_CHART_POINTS. */
  ageSeries: SeriesPoint[];
  /**
   * What the source stores at each poll, in bytes (a repository, a dump directory, a server's databases),
   * reduced the same way; empty for polls recorded before Backup Health measured it.
   */
  storedSeries: SeriesPoint[];
  /** What storedSeries measures for this kind: "Repository size", "Dump directory size", "Database size". */
  storedLabel: string;
  /** Size per backup in the range, oldest first. */
  backups: BackupPoint[];
  /** Restore drills in the range, oldest first. */
  drills: DrillPoint[];
  /** Status changes in the range, newest first. */
  events: StatusEvent[];
  findings: Finding[];
  /** Whether "Run restore drill" applies to this source. */
  drillable: boolean;
  /** The source's maxRecoveryPoint, for the target line on the recovery-point chart (null: none set, or a kind without WAL). */
  maxRecoveryPointMs: number | null;
  /** The recoverable window per poll in the range, reduced to at most MAX_CHART_POINTS / 2 (gaps always kept); empty for kinds without WAL. */
  walWindows: WalWindowPoint[];
  /** The newest poll's view of the WAL archive; null for kinds without WAL or before any poll judged it. */
  walArchive: WalArchiveView | null;
}

export interface SettingsData {
  configFile: string;
  /** Each source as written in the config file (units as text), for the edit form. */
  sources: Record<string, unknown>[];
  /** The defaults as written in the config file; shown read-only (they are edited in the file). */
  defaults: Record<string, unknown>;
  kinds: SourceKind[];
  /** Whether this transport can keep a password for a source (the desktop app, with the OS keychain). */
  canStorePasswords: boolean;
}

export interface SourceEdit {
  /** The source as the form has it, in the config file's words ("26h", "1MB"). */
  source: Record<string, unknown>;
  /** The id it had before the edit; absent when adding a new source. */
  originalId?: string;
  /** A password to keep in the OS keychain (desktop app only); never written to the config file. */
  password?: string;
}

export interface Validation {
  ok: boolean;
  /** Paths relative to the source ("maxAge", "drill.jobs"), so the form can put each beside its field. */
  problems: ConfigProblem[];
}

export interface SourceTest extends Validation {
  /** What one probe found, when it could run. */
  summary?: SourceSummary;
  /** What was seen, in words ("7 dumps, newest 3h ago, 1.2 GB" / "PostgreSQL 15.18, 4 databases"). */
  observed?: string;
}

/** One attempt to deliver to a channel, as the delivery log keeps it: never a response body, never a secret. */
export interface AlertDeliveryView {
  at: number;
  ok: boolean;
  purpose: 'status' | 'channel-failing' | 'test';
  /** The alert's title ("Backup Health: test alert"). */
  title: string;
  httpStatus?: number;
  /** SMTP reply code, or a command's exit code. */
  replyCode?: number;
  /** SMTP reply text, or a command's first line of stderr. */
  reply?: string;
  error?: string;
}

/** A field of a channel set in the config file only (shared/api-edit-rules.ts), and why. */
export interface FileOnlyChannelField {
  field: string;
  why: string;
}

export interface ChannelFailingView {
  status: Status;
  message: string;
  /** Alerts given up on since the channel last delivered. */
  undelivered: number;
}

export interface AlertChannelView {
  id: string;
  name?: string;
  kind: 'webhook' | 'ntfy' | 'slack' | 'email' | 'command';
  /** Where alerts go, safe to show: "ops@example.com", "hooks.example.com", "page-oncall"; never a URL's path or token. */
  target: string;
  minStatus: Status;
  /** Only these sources / databases; absent: every source. */
  sources?: string[];
  databases?: string[];
  /** Milliseconds between reminders while a source stays critical; absent: no reminders. */
  remindEvery?: number;
  recoveries: boolean;
  /** What of it is set in the config file only: shown read-only; a command channel is edited in the file alone. */
  fileOnly: FileOnlyChannelField[];
  /** Its newest attempt (alerts, notices and tests), or null when nothing was sent yet. */
  lastDelivery: AlertDeliveryView | null;
  /** While the channel is failing (its alert-delivery finding, critical): "webhook alerts to … are failing: …". */
  failing: ChannelFailingView | null;
}

export interface HeartbeatView {
  /** Only the ping URL's host: its path is the key that reports for the check. */
  target: string;
  every: number;
  lastPing: AlertDeliveryView | null;
}

export interface AlertChannelsData {
  /** Whether this process sends alerts at all (the desktop app and serve do; absent an alert service, nothing does). */
  sending: boolean;
  /** Why nothing is listed or sent, when sending is false. */
  reason?: string;
  /** Who sends when several processes share the history: "alerts sent by this process", or who does. */
  sender: string | null;
  channels: AlertChannelView[];
  heartbeat: HeartbeatView | null;
}

export interface AlertTestResult {
  channelId: string;
  target: string;
  /** The test's one attempt: delivered, or what came back (HTTP status, SMTP reply, error). */
  delivery: AlertDeliveryView;
  durationMs: number;
}

/** One alert channel as the config file has it, for the settings page's form; what is a secret is not shown. */
export interface EditableAlertChannel {
  id: string;
  /**
   * The channel's fields as written (durations as text), without its secrets: a webhook's or Slack URL, an ntfy
   * topic, a header's value. Those are in `kept` instead, and an edit that leaves them out keeps them as they are.
   */
  fields: Record<string, unknown>;
  /** What is kept but not shown, in words safe to show: { url: 'hooks.example.com', topic: 'set', 'headers.X-Token': 'set' }. */
  kept: Record<string, string>;
  /** What of it is set in the config file only (a command, a passwordFile, a variable's name): shown, never editable. */
  fileOnly: FileOnlyChannelField[];
}

export interface AlertChannelSettings {
  configFile: string;
  /** Whether a channel's password or token can be kept here (the desktop app, with the OS keychain). */
  canStorePasswords: boolean;
  channels: EditableAlertChannel[];
}

export interface AlertChannelEdit {
  /** The channel as the form has it, in the config file's words ("24h"); a kept secret left out stays as it is. */
  channel: Record<string, unknown>;
  /** The id it had before the edit; absent when adding a channel. */
  originalId?: string;
  /** A password or token to keep in the OS keychain (desktop app only); never written to the config file. */
  password?: string;
}

/** The Databases page: one row per database, worst first (shared/databases.ts). */
export interface DatabasesView {
  generatedAt: number;
  counts: Record<Status, number>;
  databases: DatabaseSummary[];
}

/** A backup of one routine, as a mark on the database page's time axis. */
export interface DatabaseBackupMark {
  sourceId: string;
  key: string;
  finishedAt: number;
  sizeBytes: number;
  readable: boolean;
}

/** A drill that restored the database: a pass or fail mark, with what it proved. */
export interface DatabaseDrillMark {
  sourceId: string;
  id: number;
  finishedAt: number;
  outcome: Drill['outcome'];
  backupKey: string;
  restoreMs: number | null;
  /** WAL replay's measured recovery point, or a dump's age at the drill's start; null when not measured or failed. */
  recoveryPointMs: number | null;
  message: string;
}

/** One database's page: every routine's backups and drills on one time axis, and what they proved over time. */
export interface DatabaseDetail {
  summary: DatabaseSummary;
  range: RangeId;
  from: number;
  to: number;
  /** Oldest first, at most MAX_CHART_POINTS per routine (unreadable ones always kept). */
  backups: DatabaseBackupMark[];
  /** Oldest first, at most MAX_CHART_POINTS (failures always kept). */
  drills: DatabaseDrillMark[];
  /**
   * The age of its newest backup over time, from the finish times of its routines' backups that hold it (all of a
   * whole-cluster routine's; a dump's or snapshot's naming it where a routine holds several databases), each counted
   * while it was there (as a source's ageSeries).
   */
  ageSeries: SeriesPoint[];
}

/** The recovery objectives as the config file has them (`databases:`, durations as written), for the settings page. */
export interface DatabaseObjectiveSettings {
  configFile: string;
  objectives: Record<string, unknown>[];
  /** The postgres sources a database's server can be. */
  servers: string[];
}

export interface DatabaseObjectiveEdit {
  /** name, server, rpo, rto, drillAge as the form has them ("15m"); empty fields are not set. */
  objective: Record<string, unknown>;
  /** The entry it replaces; absent when adding one. */
  original?: { name: string; server: string };
}

/** "Export evidence" (issue 17): the audit report of a period, as `backup-health report` writes it. */
export interface EvidenceRequest {
  /** The period up to now ("90d", the default), or `from` and `to` dates ("2026-09-01"; UTC). */
  since?: string;
  from?: string;
  to?: string;
  /** Source ids and database names; none: everything. */
  sources?: string[];
  databases?: string[];
  /** html: the self-contained page (the app prints its PDF); json: the evidence, signed. */
  format: 'html' | 'json';
}

/** The report for the renderer to save: its suggested file name, media type and text. */
export interface EvidenceExport {
  fileName: string;
  mediaType: 'text/html' | 'application/json';
  content: string;
  /** The installation's signing key fingerprint, printed in the report too. */
  signingKey: string;
}

export interface BackupHealthApi {
  overview(): Promise<Overview>;
  /** One row per database, worst first: what holds it, what drills proved, its objectives. */
  databases(): Promise<DatabasesView>;
  /** One database's page; `key` is DatabaseSummary.key. */
  database(args: { key: string; range: RangeId }): Promise<DatabaseDetail>;
  /** The recovery objectives as the config file has them, for the settings page. */
  databaseObjectives(): Promise<DatabaseObjectiveSettings>;
  /** Adds or changes one database's objectives in the config file, validated as `config check` would. */
  saveDatabaseObjective(args: DatabaseObjectiveEdit): Promise<Validation>;
  deleteDatabaseObjective(args: { name: string; server: string }): Promise<Validation>;
  source(args: { id: string; range: RangeId }): Promise<SourceDetail>;
  /** Polls one source now, or all of them. */
  pollNow(args: { id?: string }): Promise<SourceSummary[]>;
  runDrill(args: { id: string; backupKey?: string }): Promise<Drill>;
  settings(): Promise<SettingsData>;
  validateSource(args: SourceEdit): Promise<Validation>;
  /** Runs one probe with the edited source, without saving it. */
  testSource(args: SourceEdit): Promise<SourceTest>;
  saveSource(args: SourceEdit): Promise<Validation>;
  removeSource(args: { id: string }): Promise<Validation>;
  /** The configured alert channels, each with its last delivery and failure, and the heartbeat. */
  alertChannels(): Promise<AlertChannelsData>;
  /** Sends one test alert through the channel (one attempt, no retries) and says what came back. */
  testAlertChannel(args: { id: string }): Promise<AlertTestResult>;
  /** The channels as the config file has them, for the edit form (secrets left out). */
  alertChannelSettings(): Promise<AlertChannelSettings>;
  /** Adds or changes a channel in the config file; what runs a program or names a file is refused. */
  saveAlertChannel(args: AlertChannelEdit): Promise<Validation>;
  /** Removes a channel from the config file (its delivery history stays), and its kept password. */
  deleteAlertChannel(args: { id: string }): Promise<Validation>;
  /** The audit report of a period (issue 17), for "Export evidence". */
  exportEvidence(args: EvidenceRequest): Promise<EvidenceExport>;
}

export type ApiMethod = keyof BackupHealthApi;

/** Every method, for the transports to register and route; `satisfies` keeps it in step with the interface. */
export const API_METHODS = [
  'overview',
  'databases',
  'database',
  'databaseObjectives',
  'saveDatabaseObjective',
  'deleteDatabaseObjective',
  'source',
  'pollNow',
  'runDrill',
  'settings',
  'validateSource',
  'testSource',
  'saveSource',
  'removeSource',
  'alertChannels',
  'testAlertChannel',
  'alertChannelSettings',
  'saveAlertChannel',
  'deleteAlertChannel',
  'exportEvidence',
] as const satisfies readonly ApiMethod[];

type MissingMethods = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
// A compile error here means a method was added to BackupHealthApi but not to API_METHODS.
export const API_METHODS_COMPLETE: MissingMethods extends never ? true : never = true;

export type ApiArgs<M extends ApiMethod> = Parameters<BackupHealthApi[M]>[0];
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<BackupHealthApi[M]>>;

/** What crosses the wire: errors as values, never stack traces, never secrets. */
export interface ApiErrorValue {
  code: string;
  message: string;
}
export type ApiResponse<T> = { ok: true; value: T } | { ok: false; error: ApiErrorValue };

/** Pushed to the UI as things happen (IPC events in the app, server-sent events in the browser). */
export type ApiEvent =
  | { type: 'status'; event: StatusEvent }
  | { type: 'poll'; summary: SourceSummary }
  | { type: 'drill-progress'; progress: DrillProgress }
  | { type: 'drill'; drill: Drill }
  | { type: 'config' }
  /** Alert deliveries were recorded (a round's alerts, a test): channel states may have changed. */
  | { type: 'alerts' };

/** Export evidence in the desktop app: the report in any format, saved where the user chooses. */
export interface EvidenceSaveRequest extends Omit<EvidenceRequest, 'format'> {
  format: 'html' | 'json' | 'pdf';
  /** The PDF's paper; A4 when absent. */
  paper?: 'A4' | 'Letter';
}

export interface EvidenceSaved {
  /** False when the user closed the save dialog without choosing a file. */
  saved: boolean;
  /** The file the user chose in the dialog (the renderer never gets a path it did not choose). */
  path?: string;
}

/**
 * Calls only the desktop app answers (the main process opens a save dialog and writes the file): over IPC, with
 * the same sender check as the API, and absent from the bridge in a browser, where `serve` cannot write to the
 * user's machine. The renderer tells the two apart by whether the bridge has them.
 */
export interface DesktopApi {
  saveEvidence(args: EvidenceSaveRequest): Promise<EvidenceSaved>;
}

export type DesktopMethod = keyof DesktopApi;
export const DESKTOP_METHODS = ['saveEvidence'] as const satisfies readonly DesktopMethod[];

/** window.backupHealth in the desktop app: the API, the desktop calls and an event subscription. */
export interface BackupHealthBridge extends BackupHealthApi, Partial<DesktopApi> {
  subscribe(listener: (event: ApiEvent) => void): () => void;
}
