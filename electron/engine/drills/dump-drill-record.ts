// What the steps of a dump drill share (dump-drill.ts prepares, dump-restore-steps.ts restores,
// dump-verify.ts verifies): the drill's options, and DrillRecord, their view of the drill frame.
import type { PostgresSourceConfig } from '../../../shared/config';
import type { BackupChecksum, DrillCheckResult, DrillPhase, ObservedBackup, RestoredTable } from '../../../shared/model';
import type { ProbeSecrets } from '../secrets';
import type { DrillFrame } from './drill-frame';
import type { DrillExpectations } from './drill-judgement';
import type { DrillRunOptions } from './verify';

export interface DumpDrillOptions extends DrillRunOptions {
  /** key = path of the dump file or directory; meta.header as pg-dump/identify.ts read it (read again here). */
  backup: ObservedBackup;
  /** pg_restore -j (custom and directory archives; tar and plain restore with one). */
  jobs: number;
  /** Fail tables whose restored count is below the live estimate by more than tolerance (0.05 = 5%). */
  compareTo?: { source: PostgresSourceConfig; tolerance: number };
  /**
   * The postgres source the backups come from (the source's `database` link), when there is no compareTo:
   * its live tables are compared with the restored ones, as warnings only (drill-judgement.ts).
   */
  linkedLive?: PostgresSourceConfig;
  /** What the restored database must be and hold (drill-judgement.ts). */
  expect?: DrillExpectations;
  /** Passwords the desktop app keeps, for compareTo against a source with passwordStored. */
  secrets?: ProbeSecrets;
  /** Where to look for installations instead of /usr/lib/postgresql/*\/bin and PATH. */
  searchDirs?: readonly string[];
  /** Untrusted extensions the drill may create when a dump asks (default DEFAULT_EXTENSION_ALLOWLIST). */
  extensionAllowlist?: readonly string[];
  /**
   * The dump's SHA-256: hashed alongside the restore when absent (backup-checksum.ts); a copy that hashed the
   * bytes as they arrived passes its checksum instead; false computes none (the bench's baseline only).
   */
  checksum?: BackupChecksum | false;
}

/**
 * The dump steps' view of the frame (drill-frame.ts): its phases, progress and evidence under the names the
 * steps below use, and the database the dump goes into.
 */
export class DrillRecord {
  database = 'restored';
  /** The frame's phases when this dump's steps began: a restic or borg drill has already timed its extraction. */
  private readonly before: Partial<Record<DrillPhase, number>>;

  constructor(private readonly frame: DrillFrame) {
    this.before = { ...frame.phases };
  }

  get phase(): DrillPhase {
    return this.frame.phase;
  }

  enter(phase: DrillPhase, total = 0): void {
    this.frame.enter(phase, total);
  }

  inPhaseMs(): number {
    return this.frame.inPhaseMs();
  }

  progress(done: number, total: number, detail?: string, force = false): void {
    this.frame.progress(done, total, { detail, force });
  }

  /** This dump's own phase times, not the extraction's before it. */
  get phases(): Partial<Record<DrillPhase, number>> {
    const own: Partial<Record<DrillPhase, number>> = {};
    for (const [phase, ms] of Object.entries(this.frame.phases) as [DrillPhase, number][]) own[phase] = ms - (this.before[phase] ?? 0);
    return own;
  }

  get tables(): RestoredTable[] {
    return this.frame.evidence.tables;
  }
  set tables(tables: RestoredTable[]) {
    this.frame.evidence.tables = tables;
  }
  get checks(): DrillCheckResult[] {
    return this.frame.evidence.checks;
  }
  set checks(checks: DrillCheckResult[]) {
    this.frame.evidence.checks = checks;
  }
  get restoredBytes(): number | null {
    return this.frame.evidence.restoredBytes;
  }
  set restoredBytes(bytes: number | null) {
    this.frame.evidence.restoredBytes = bytes;
  }
  get restoredWith(): string | null {
    return this.frame.evidence.restoredWith;
  }
  set restoredWith(version: string | null) {
    this.frame.evidence.restoredWith = version;
  }

  get rows(): number {
    return this.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  }
}
