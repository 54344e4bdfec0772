// The registry of source kinds: one module per kind, each from its own folder (sources/<kind>/index.ts). A
// record over SourceKind (shared/source-kinds.ts), so a kind missing here, or a module missing a part
// (module.ts), does not build.
import type { SourceConfig } from '../../../shared/config';
import type { SourceKind, SourceMetrics, SourceSummary } from '../../../shared/model';
import type { SourceModule } from './module';
import type { Probe } from './probe';
import { postgresProbe } from './postgres/index';
import { dumpDirProbe } from './dump-dir/index';
import { pgbackrestProbe } from './pgbackrest/index';
import { borgProbe } from './borg/index';
import { resticProbe } from './restic/index';
import { basebackupProbe } from './basebackup/index';
import { barmanProbe } from './barman/index';

type SourceRegistry = { [K in SourceConfig['kind']]: SourceModule<Extract<SourceConfig, { kind: K }>> };

export const SOURCES: SourceRegistry = {
  postgres: postgresProbe,
  'dump-dir': dumpDirProbe,
  pgbackrest: pgbackrestProbe,
  borg: borgProbe,
  restic: resticProbe,
  basebackup: basebackupProbe,
  barman: barmanProbe,
};

/** The module of a source's kind. */
export function sourceModule<S extends SourceConfig>(source: S): SourceModule<S> {
  return SOURCES[source.kind] as unknown as SourceModule<S>;
}

/** The probe of a source's kind (the engine takes another in tests). */
export function probeFor<S extends SourceConfig>(source: S): Probe<S> {
  return sourceModule(source);
}

/** What stored_bytes means for each kind, in the words the chart title uses. */
export const STORED_BYTES_LABEL = Object.fromEntries(Object.entries(SOURCES).map(([kind, module]) => [kind, module.storedLabel])) as Record<SourceKind, string>;

/** A poll's metrics in a line, in the words of the kind that measured them (sources/<kind>/index.ts describe). */
export function describeMetrics(metrics: SourceMetrics, newest: SourceSummary['newestBackup'], now: number): string {
  return (SOURCES[metrics.kind].describe as (m: SourceMetrics, n: SourceSummary['newestBackup'], at: number) => string)(metrics, newest, now);
}

/** A poll's stored size in bytes, as its kind measures it (sources/<kind>/index.ts storedBytes); null when the poll failed. */
export function storedBytesOf(metrics: SourceMetrics | null): number | null {
  if (metrics === null) return null;
  return (SOURCES[metrics.kind].storedBytes as (m: SourceMetrics) => number | null)(metrics);
}
