// The database as the unit (issue 15): what protects one database, what a drill proved of it, and whether its
// recovery objectives hold. Built by electron/engine/databases/; shown by the Databases page, `check` and
// /metrics. No Node or DOM APIs here.
import { worstStatus, type DrillOutcome, type Finding, type SourceKind, type Status } from './model';

/** One routine that protects a database: a backup source whose backups hold it. */
export interface DatabaseRoutine {
  sourceId: string;
  /** The source's name (its id when it has none). */
  name: string;
  kind: Exclude<SourceKind, 'postgres'>;
  /** The ssh host its backups are read on; absent for this machine. */
  host?: string;
  /** The bucket its dumps are kept in (a dump-dir with url:), as SourceSummary.bucketUrl; absent otherwise. */
  bucketUrl?: string;
  /** The source's own status, by its own rules. */
  status: Status;
  /** Its worst finding's message when it is not ok (why it is critical), else null. */
  finding: string | null;
  /** 'cluster': a physical backup of the whole cluster; 'dumps': dumps that hold this database. */
  holds: 'cluster' | 'dumps';
  /** Whether each of its drills restores this database (the whole cluster, or dumps of it alone); else only the drills naming it. */
  everyDrill: boolean;
  /** When its newest backup finished; null when it holds none. */
  newestBackupAt: number | null;
  /** Its newest drill that restored this database, whatever the outcome; null when none did. */
  lastDrill: { at: number; outcome: DrillOutcome; message: string } | null;
  /** Its newest passing drill that restored this database. */
  lastRestore: ProvenRestore | null;
}

/** What one passing drill proved of a database. */
export interface ProvenRestore {
  sourceId: string;
  /** When the drill finished. */
  at: number;
  backupKey: string;
  /** How long the restore took (the drill's restore time: copy, restore, replay, verify). */
  restoreMs: number | null;
  /**
   * How much data a restore from it would have lost at the drill's start: for WAL replay the drill's measured
   * recovery point, for a dump the drill's start minus the dump's finish; null when not measured.
   */
  recoveryPointMs: number | null;
}

/** A database's recovery objectives from the config (`databases:`), in ms. */
export interface DatabaseObjectives {
  rpoMs: number | null;
  rtoMs: number | null;
  drillAgeMs: number;
}

export interface DatabaseSummary {
  /** `<server id>/<name>`; for a cluster no server is linked to, `cluster:<source id>`; for dumps of no known server, `~/<name>`. */
  key: string;
  /** How messages name it: "orders on orders-db", "shop", "what orders-pitr holds". */
  label: string;
  /** The database's name; null for every database of a cluster backed up whole whose server is not linked. */
  name: string | null;
  /**
   * The postgres source watching its server; null when no routine is linked to one. `status` and `findings`: what
   * the server itself does to protect it, its WAL archiving and its standbys (the wal-archiving and replication
   * findings): routines too, judged by the server's own rules.
   */
  server: { id: string; name: string; status: Status; findings: Finding[] } | null;
  /** Its size on the server at the server's latest poll; null when not known. */
  sizeBytes: number | null;
  /** Every routine that holds it, worst first. */
  routines: DatabaseRoutine[];
  /** The newest passing drill of any routine that restored it. */
  lastRestore: ProvenRestore | null;
  /** The best (smallest) recovery point a passing drill proved within drillAge (8d without objectives); null when none did. */
  bestRecoveryPoint: ProvenRestore | null;
  objectives: DatabaseObjectives | null;
  /** Its own findings: no routine holds it; its objectives not met. Routines' findings stay on their sources. */
  findings: Finding[];
  /** The worst of its findings, its routines' statuses and its server's archiving and standbys: ok only when every one is. */
  status: Status;
}

/** How far back a drill counts as proof for a database without objectives (its best recovery point). */
export const DEFAULT_DRILL_AGE_MS = 8 * 86_400_000;

/**
 * The status of a database's own findings (no backup holds it, objectives missed): what the tray, notifications and
 * alert channels tell of it. Its routines' own problems reach them as their sources' changes, once.
 */
export function ownStatus(database: Pick<DatabaseSummary, 'findings'>): Status {
  return worstStatus(database.findings.map((f) => f.status), 'ok');
}

/** Where alerts and notifications keep a database beside the sources: source ids never hold a colon. */
const ALERT_ID_PREFIX = 'database:';

/** "database:orders-db/orders": a database among the sources an alert round and a notification speak of. */
export function databaseAlertId(key: string): string {
  return `${ALERT_ID_PREFIX}${key}`;
}

/** The database key of an alert id, or null for a source's id. */
export function databaseKeyOf(alertId: string): string | null {
  return alertId.startsWith(ALERT_ID_PREFIX) ? alertId.slice(ALERT_ID_PREFIX.length) : null;
}

/** The dashboard's route of a database's page (renderer/routes.ts). */
export function databaseRoute(key: string): string {
  return `#/database/${encodeURIComponent(key)}`;
}
