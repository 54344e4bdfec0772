// The audit report's evidence (issue 17): what the JSON holds, signed, and what the HTML and PDF show. Times are
// ISO 8601 in UTC, durations milliseconds (fields ending in Ms), sizes bytes. Nothing here is a secret: policies hold
// judging fields only (policy.ts), messages were redacted when stored.
import type { DrillOutcome, DrillPhase, Status } from '../../../shared/model';

export const EVIDENCE_FORMAT = 'backup-health-evidence/1';

export interface Evidence {
  format: typeof EVIDENCE_FORMAT;
  generatedAt: string;
  /** The installation that made the report, and ran the drills it lists. */
  generator: { app: 'Backup Health'; version: string; host: string };
  /** Fingerprint of the installation's Ed25519 public key that signs the JSON (signing.ts). */
  signingKey: string;
  period: { from: string; to: string };
  /** What was asked for; null: everything in the config. */
  selection: { sources: string[] | null; databases: string[] | null };
  /** One row per database, worst first. */
  summary: DatabaseSummaryRow[];
  databases: DatabaseEvidence[];
  sources: SourceEvidence[];
  /** What this evidence cannot show, in words. */
  notes: string[];
}

export interface PolicyPeriod {
  from: string;
  /** null: still in force at the period's end. */
  to: string | null;
  /** null: not in the config then. */
  policy: Record<string, unknown> | null;
  /** false: the history holds no policy for this stretch; the earliest known one (or today's config) is shown. */
  recorded: boolean;
}

export interface ProvenRestoreRow {
  at: string;
  sourceId: string;
  backupKey: string;
  restoreMs: number | null;
  recoveryPointMs: number | null;
}

export interface DatabaseSummaryRow {
  key: string;
  label: string;
  status: Status;
  objectives: { rpoMs: number | null; rtoMs: number | null; drillAgeMs: number } | null;
  /** Whether its objectives hold at the period's end; null when it has none. */
  objectivesMet: boolean | null;
  /** Why not, or why the database is not ok, in words. */
  findings: string[];
  lastProvenRestore: ProvenRestoreRow | null;
  drills: { passed: number; failed: number; missedWindows: number };
}

export interface DatabaseEvidence {
  key: string;
  label: string;
  name: string | null;
  server: string | null;
  routines: string[];
  policies: PolicyPeriod[];
  /** Each drill of a routine in the period that restored this database, judged by the objectives of its time. */
  restores: DatabaseRestore[];
  /** Its status when the period began (the last change before it), or null: none recorded before it. */
  statusAtStart: Status | null;
  /** Its status changes, as a running engine computed them; a finding's rule "routine:<source id>" is a routine not ok. */
  statusChanges: StatusChange[];
  /** Every finding below ok open at any time of the period, with or without a status change of its own. */
  findings: FindingEvidence[];
}

/**
 * One finding from when its rule went below ok to when it was ok again (store/finding-spans.ts), as recorded since
 * Backup Health kept finding spans; earlier history has status changes only.
 */
export interface FindingEvidence {
  rule: string;
  /** The worst it reached while open, with that moment's message. */
  status: Status;
  message: string;
  openedAt: string;
  /** When it was ok again (possibly after the period); null: still open at the last judgement. */
  fixedAt: string | null;
}

export interface DatabaseRestore {
  drillId: number;
  sourceId: string;
  finishedAt: string;
  outcome: DrillOutcome;
  restoreMs: number | null;
  recoveryPointMs: number | null;
  /** Against the rpo / rto in force when the drill ran; null when none was set. */
  rpoMet: boolean | null;
  rtoMet: boolean | null;
}

export interface SourceEvidence {
  id: string;
  name: string;
  kind: string;
  status: Status;
  /** Keys of the databases it holds (DatabaseEvidence.key). */
  databases: string[];
  policies: PolicyPeriod[];
  /** null: no drill schedule (drill.every) was in force at any time of the period. */
  schedule: ScheduleKept | null;
  drills: DrillEvidence[];
  /** Its status when the period began (the last change before it), or null. */
  statusAtStart: Status | null;
  statusChanges: StatusChange[];
  /** Every finding below ok open at any time of the period, with or without a status change of its own. */
  findings: FindingEvidence[];
  /** Backup age over the period (the age chart), at most a few hundred points. */
  backupAge: { at: string; ageMs: number }[];
}

export interface ScheduleKept {
  /** Drill runs the schedule in force asked for within the period. */
  expected: number;
  /** Drills that finished within the period, whatever their outcome. */
  done: number;
  missed: MissedWindow[];
}

/** A stretch in which a drill was due and none ran. */
export interface MissedWindow {
  /** When the next drill was due (the last drill, or the schedule's start, plus `every`). */
  dueAt: string;
  /** When it became overdue (drill.maxAge, or every + a day, after the last drill): a missed window begins here. */
  overdueAt: string;
  /** When the next drill finished, or the period's end (then `open`). */
  until: string;
  open: boolean;
  everyMs: number;
  allowanceMs: number;
}

export interface DrillEvidence {
  id: number;
  startedAt: string;
  finishedAt: string;
  outcome: DrillOutcome;
  backup: BackupEvidence;
  /** The database restored, as the dump named it. */
  database: string | null;
  /** PostgreSQL the backup was restored into. */
  restoredWith: string | null;
  sandboxed: boolean | null;
  restoreMs: number | null;
  recoveryPointMs: number | null;
  tables: number;
  rows: number;
  restoredBytes: number | null;
  phases: Partial<Record<DrillPhase, number>>;
  checks: { name: string; sql: string; passed: boolean; detail: string }[];
  warnings: string[];
  message: string;
  /** The machine the drill ran on, os.hostname() then; null for drills recorded before hosts were (older history). */
  host: string | null;
  /** Versions of the tools the drill ran (pg_restore, psql, ...), as each one's --version said. */
  tools: Record<string, string>;
  /** The scratch PostgreSQL server restored into, in full ("15.18 (Debian 15.18-0+deb12u1)"). */
  scratchServer: string | null;
}

export interface BackupEvidence {
  key: string;
  /** As the history stored it when first seen; null when the drill restored a backup the history never stored. */
  type: string | null;
  finishedAt: string | null;
  sizeBytes: number | null;
  /** pg_dump and server versions from the dump's header, when it has one. */
  pgDumpVersion: string | null;
  serverVersion: string | null;
  /** SHA-256 of the backup the drill restored, read alongside its restore or while copying; null when none was computed (sha256Missing says why). */
  sha256: string | null;
  /**
   * file: `sha256sum FILE`; directory-manifest: `(cd DIR && LC_ALL=C ls | xargs sha256sum) | sha256sum` (a directory
   * dump, a tar-format base backup's run); backup-manifest: `sha256sum` of the backup's own manifest (sha256File names it).
   */
  sha256Of: 'file' | 'directory-manifest' | 'backup-manifest' | null;
  /** The manifest hashed for backup-manifest ("backup_manifest", "backup.manifest"); null otherwise. */
  sha256File: string | null;
  /** Why sha256 is null: "a tar run on db1 goes from ssh straight into tar", "not recorded (drill from before checksums)". */
  sha256Missing: string | null;
}

/** A status change of a source or a database, each finding below ok with when it was fixed (null: not by the report's making). */
export interface StatusChange {
  at: string;
  from: Status | null;
  to: Status;
  findings: { rule: string; status: Status; message: string; fixedAt: string | null }[];
}
