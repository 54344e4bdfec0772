// What health evaluation sees. The engine gathers it from the store and the config; the rules are pure.
import type { Defaults, SourceConfig } from '../../../shared/config';
import type { KindWords } from './kind-words';
import type { BackupRecord, Drill, Finding, ObservedBackup, Poll, PostgresMetrics, SourceKind } from '../../../shared/model';

/** A health rule: a pure function from what was observed to findings, each carrying the rule's id. */
export type Rule = (input: EvaluationInput) => Finding[];

/** A backup source linked to a postgres source with `database:`, and what its present backups hold. */
export interface CoveringSource {
  id: string;
  kind: Exclude<SourceKind, 'postgres'>;
  /**
   * 'cluster': a physical backup of the whole cluster (a pgBackRest stanza). Otherwise the database names its
   * dumps say they hold (pg_dump headers, or its `dbname`); [] when they name none (plain SQL without --create),
   * taken to hold the database the postgres source connects to.
   */
  databases: string[] | 'cluster';
}

/** What the engine gathers about one source for its judgement (sources/evaluate.ts adds the kind's words). */
export interface SourceFacts {
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
  /** For a backup source with `database:`: the linked postgres source and its latest successful metrics. */
  linkedPostgres?: { id: string; metrics: PostgresMetrics | null };
  /** For a postgres source: every backup source of any kind that links to it, so the coverage rule can find the gaps. */
  coveringSources?: CoveringSource[];
  /** Restore-drill evidence: the newest drill and the newest passing one (null when there is none). */
  drills?: { last: Drill | null; lastPassing: Drill | null };
}

/** What a rule sees: the facts, and how to speak of the source's kind (its module's words). */
export interface EvaluationInput extends SourceFacts {
  words: KindWords;
}
