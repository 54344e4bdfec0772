// What one source kind is: the one object its folder's index.ts exports, and the registry (index.ts) holds per
// kind. Every part is required (a kind without drills says `drill: undefined`), so a kind that forgets one does
// not build; generic code (engine, api-service, config check, health evaluation) asks this object instead of
// switching on the kind.
import type { SourceConfig } from '../../../shared/config';
import type { ObservedBackup, SourceMetrics, SourceSummary } from '../../../shared/model';
import type { BackupSourceConfig, BackupWords } from '../health/kind-words';
import type { Rule } from '../health/types';
import type { CoveringSource } from '../health/types';
import type { Probe } from './probe';

export interface SourceModule<S extends SourceConfig = SourceConfig> extends Probe<S> {
  /** Restores one backup in the one drill frame (drills/drill-frame.ts); undefined for kinds that cannot. */
  drill: Probe<S>['drill'];
  /** The rules this kind is judged by (restore-drill and probe-error are added for every kind by evaluate()). */
  rules: readonly Rule[];
  /** How the rules speak of its backups (sources/<kind>/words.ts); null for a kind that holds none (postgres). */
  words: S extends BackupSourceConfig ? BackupWords<S> : null;
  /** Where a source of this kind lives, safe to print (never a password in a URL). */
  location(source: S): string;
  /**
   * Whether its polls carry a WAL archive summary (metrics.walArchive: continuity, gaps, the newest segment), so
   * the source page charts the recoverable window.
   */
  keepsWal: boolean;
  /** What the storage chart follows for this kind, in the chart title's words. */
  storedLabel: string;
  /**
   * The one size per poll that the storage chart follows: what the backups take up where they are kept, or for
   * a PostgreSQL server what its databases take up; null when the poll could not measure it.
   */
  storedBytes(metrics: Extract<SourceMetrics, { kind: S['kind'] }>): number | null;
  /** Its latest poll in a line for the source page ("3 snapshots, repository 4 MB, newest 2h ago, …"). */
  describe(metrics: Extract<SourceMetrics, { kind: S['kind'] }>, newest: SourceSummary['newestBackup'], now: number): string;
  /** The password file this source reads, which must exist and be private (config check); undefined if none. */
  passwordFile(source: S): string | undefined;
  /**
   * Which databases a source of this kind linked with `database:` holds, from the backups its latest poll saw:
   * 'cluster' for a physical backup of the whole cluster; null for a kind that is not a backup (postgres).
   */
  covers(source: S, backups: readonly ObservedBackup[]): CoveringSource['databases'] | null;
}
