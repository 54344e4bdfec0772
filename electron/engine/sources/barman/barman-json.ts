// Barman's JSON as this app reads it, from the shapes of barman/output.py (JsonOutputWriter) in Barman 3.4
// (Debian 12) and 3.12+: the field names moved between them (show-backup's `disk_usage_bytes` became
// `backup_size_bytes`), so each reader takes either. Times are read from the epoch-seconds fields
// (`*_timestamp`, strings), or from ISO 8601 with a zone (`*_iso`, Barman's JSON backup info from 3.12.1),
// never from list-backups' `end_time`, a ctime() string in the Barman host's local time without a zone.
// Pure: every function takes what runBarman returned (unknown) and says what is not there.
import { ProbeError } from '../../errors';
import { isValidSegmentSize } from '../../wal/names';

/** Barman's backup statuses (barman/infofile.py BackupInfo). */
export const BARMAN_STATUSES = ['EMPTY', 'STARTED', 'WAITING_FOR_WALS', 'DONE', 'SYNCING', 'FAILED'] as const;
export type BarmanStatus = (typeof BARMAN_STATUSES)[number];

/** What `barman show-server` says that this app uses: where the server's backups and WAL are, and their form. */
export interface BarmanServerInfo {
  /** The server's directory, <barman_home>/<server>. */
  backupDirectory: string | null;
  /** Where each backup's directory is (<id>/backup.info, <id>/data). */
  basebackupsDirectory: string;
  /** Where the WAL is: xlog.db, <16 hex>/<segment>, <8 hex>.history. */
  walsDirectory: string;
  /** wal_segment_size as Barman read it from PostgreSQL; null when it could not ask (server down). */
  segmentSize: number | null;
  /** Barman's WAL `compression` setting (gzip, bzip2, …), null for none. */
  compression: string | null;
  backupMethod: string | null;
  /** WAL arrives by archive_command (`archiver = on`) and/or pg_receivewal (`streaming_archiver = on`). */
  archiver: boolean;
  streamingArchiver: boolean;
  /** PostgreSQL as Barman sees it: "15.18"; null when it could not connect. */
  serverVersion: string | null;
  /** Why Barman could not reach PostgreSQL, in its words; null when it could. */
  connectionError: string | null;
}

/** One backup of list-backups and show-backup together; times in epoch ms. */
export interface BarmanBackupInfo {
  id: string;
  name: string | null;
  status: BarmanStatus | string;
  /** 3.12+: full, incremental, rsync, snapshot; null in 3.4. */
  backupType: string | null;
  beginTime: number | null;
  endTime: number | null;
  /** The base backup's own size (no WAL). */
  sizeBytes: number | null;
  /** The WAL needed for or belonging to the backup (list-backups' size_bytes less the base). */
  walSizeBytes: number | null;
  beginWal: string | null;
  endWal: string | null;
  beginLsn: string | null;
  endLsn: string | null;
  timeline: number | null;
  /** PostgreSQL's version number, 150018. */
  postgresqlVersion: number | null;
  retentionStatus: string | null;
  /** Barman's error for a FAILED backup ("failure ... (...)"). */
  error: string | null;
}

/** One `barman check` item: its key as Barman writes it (wal_archive, receive_wal_running, …), status and hint. */
export interface BarmanCheck {
  name: string;
  ok: boolean;
  hint: string;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}
function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;
}
function num(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}
function bool(value: unknown): boolean {
  return value === true || value === 'on' || value === 'true' || value === 'True';
}
/** Epoch seconds ("1796372537", a string in Barman's JSON) or ISO 8601 with a zone -> ms. */
function epochMs(seconds: unknown, iso?: unknown): number | null {
  const s = num(seconds);
  if (s !== null) return s * 1000;
  if (typeof iso === 'string' && /(?:Z|[+-]\d\d:?\d\d)$/.test(iso)) {
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  }
  return null;
}

function shapeError(command: string, server: string, host: string | undefined, what: string): ProbeError {
  return new ProbeError('failed', `barman ${command} ${server}${host ? ` on ${host}` : ''} printed ${what}; is this Barman 3.x?`, host);
}

export function parseShowServer(value: unknown, server: string, host?: string): BarmanServerInfo {
  const json = object(value);
  const walsDirectory = text(json?.wals_directory);
  const basebackupsDirectory = text(json?.basebackups_directory);
  if (!json || !walsDirectory || !basebackupsDirectory) throw shapeError('show-server', server, host, 'no wals_directory or basebackups_directory');
  const segmentSize = num(json.xlog_segment_size);
  return {
    backupDirectory: text(json.backup_directory),
    basebackupsDirectory,
    walsDirectory,
    segmentSize: segmentSize !== null && isValidSegmentSize(segmentSize) ? segmentSize : null,
    compression: text(json.compression),
    backupMethod: text(json.backup_method),
    archiver: bool(json.archiver),
    streamingArchiver: bool(json.streaming_archiver),
    serverVersion: text(json.server_txt_version),
    connectionError: text(json.connection_error),
  };
}

/** list-backups: every backup, newest first as Barman lists them; only id and status for those not copied yet. */
export function parseListBackups(value: unknown, server: string, host?: string): BarmanBackupInfo[] {
  if (!Array.isArray(value)) throw shapeError('list-backups', server, host, 'no list of backups');
  return value.flatMap((item): BarmanBackupInfo[] => {
    const json = object(item);
    const id = text(json?.backup_id);
    if (!json || !id) return [];
    const withWals = num(json.size_bytes);
    const walSize = num(json.wal_size_bytes);
    return [
      {
        id,
        name: text(json.backup_name),
        status: text(json.status) ?? 'EMPTY',
        backupType: text(json.backup_type),
        beginTime: null,
        endTime: epochMs(json.end_time_timestamp, json.end_time_iso),
        // list-backups' size_bytes is the base backup with the WAL it needs; show-backup says the base alone.
        sizeBytes: withWals,
        walSizeBytes: walSize,
        beginWal: null,
        endWal: null,
        beginLsn: null,
        endLsn: null,
        timeline: null,
        postgresqlVersion: null,
        retentionStatus: text(json.retention_status),
        error: null,
      },
    ];
  });
}

/** show-backup <id>: the backup's details, over what list-backups said of it. */
export function parseShowBackup(value: unknown, listed: BarmanBackupInfo, server: string, host?: string): BarmanBackupInfo {
  const json = object(value);
  if (!json || text(json.backup_id) !== listed.id) throw shapeError('show-backup', server, host, `no backup ${listed.id}`);
  const base = object(json.base_backup_information) ?? {};
  const wal = object(json.wal_information) ?? {};
  // 3.4: disk_usage_bytes; 3.12+: backup_size_bytes (both the base backup without WAL).
  const sizeBytes = num(base.backup_size_bytes) ?? num(base.disk_usage_bytes) ?? listed.sizeBytes;
  return {
    ...listed,
    status: text(json.status) ?? listed.status,
    backupType: text(json.backup_type) ?? listed.backupType,
    beginTime: epochMs(base.begin_time_timestamp, base.begin_time_iso) ?? listed.beginTime,
    endTime: epochMs(base.end_time_timestamp, base.end_time_iso) ?? listed.endTime,
    sizeBytes,
    walSizeBytes: num(base.wal_size_bytes) ?? num(wal.disk_usage_bytes) ?? listed.walSizeBytes,
    beginWal: text(base.begin_wal),
    endWal: text(base.end_wal),
    beginLsn: text(base.begin_lsn),
    endLsn: text(base.end_lsn),
    timeline: num(base.timeline),
    postgresqlVersion: num(json.postgresql_version),
    error: text(json.error),
  };
}

/** check: every item, in Barman's order. */
export function parseCheck(value: unknown, server: string, host?: string): BarmanCheck[] {
  const json = object(value);
  if (!json) throw shapeError('check', server, host, 'no checks');
  return Object.entries(json).flatMap(([name, item]): BarmanCheck[] => {
    const check = object(item);
    if (!check || typeof check.status !== 'string') return [];
    return [{ name, ok: check.status === 'OK', hint: text(check.hint) ?? '' }];
  });
}

/** status: `message` of each item, by key (current_xlog, last_backup, pg_version, …). */
export function parseStatus(value: unknown, server: string, host?: string): Record<string, string> {
  const json = object(value);
  if (!json) throw shapeError('status', server, host, 'no status');
  const status: Record<string, string> = {};
  for (const [key, item] of Object.entries(json)) {
    const message = text(object(item)?.message);
    if (message !== null) status[key] = message;
  }
  return status;
}

/** backup.info's `key=value` lines (Barman's own file in each backup's directory), for what JSON does not say. */
export function parseBackupInfoFile(content: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of content.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) info[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return info;
}
