// What health evaluation sees. The engine gathers it from the store and the config; the rules are pure.
import type { Defaults, SourceConfig } from '../../../shared/config';
import type { BackupRecord, Drill, ObservedBackup, Poll, PostgresMetrics } from '../../../shared/model';

export interface EvaluationInput {
  source: SourceConfig;
  defaults: Defaults;
  now: number;
  /** The newest poll of this source (null if never polled). */
  latest: Poll | null;
  /** Failed polls in a row up to and including `latest`. */
  consecutiveFailures: number;
  /** Backups present at the latest poll (dump-dir), newest first (shared/newest-backup.ts). */
  backups: ObservedBackup[];
  /** Stored history of this source's backups, newest first (shared/newest-backup.ts), at least the 8 newest. */
  history: BackupRecord[];
  /** For a dump-dir with `database:`: the linked postgres source and its latest successful metrics. */
  linkedPostgres?: { id: string; metrics: PostgresMetrics | null };
  /**
   * For a postgres source: every dump-dir that links to it, with the database names its present
   * dumps say they hold (from headers, or its `dbname`), so the coverage rule can find the gaps.
   */
  coveringDumpDirs?: { id: string; dbnames: string[] }[];
  /** Restore-drill evidence: the newest drill and the newest passing one (null when there is none). */
  drills?: { last: Drill | null; lastPassing: Drill | null };
}
