// What observing and drilling a source gets and returns; every kind's module (module.ts) is a Probe. See README "Adding a source kind".
import type { Drill, DrillProgress, ObservedBackup, SourceMetrics } from '../../../shared/model';
import type { Config, SourceConfig } from '../../../shared/config';
import type { ProbeSecrets } from '../secrets';

export interface ProbeContext {
  /** Aborted when the probe's timeout passes or the engine stops; probes must stop their work when it fires. */
  signal: AbortSignal;
  /** The probe's time budget, for libraries that take their own timeouts (connect, statement). */
  timeoutMs: number;
  /** The whole validated config (for defaults). */
  config: Config;
  now(): number;
  /** Secrets only the desktop app can read (passwords in the OS keychain); absent in the CLI and `serve`. */
  secrets?: ProbeSecrets;
}

export interface Observation {
  backups: ObservedBackup[];
  metrics: SourceMetrics;
}

/** What a drill gets besides the source and the backup; the engine fills it in. */
export interface DrillContext {
  /** Aborted when the drill's timeout passes, the user cancels, or the engine stops. */
  signal: AbortSignal;
  timeoutMs: number;
  config: Config;
  now(): number;
  secrets?: ProbeSecrets;
  onProgress(progress: DrillProgress): void;
  /** The database the last passing drill of this source restored (a different one now is a warning). */
  previousDatabase?: string;
}

export interface Probe<S extends SourceConfig = SourceConfig> {
  kind: S['kind'];
  observe(source: S, ctx: ProbeContext): Promise<Observation>;
  /**
   * Kinds whose backups can be restored prove one: restore it into a throwaway PostgreSQL, verify, clean up.
   * Never throws for an expected failure: every outcome is a Drill value (pass, fail, error).
   */
  drill?(source: S, backup: ObservedBackup, ctx: DrillContext): Promise<Drill>;
}
