// Source kind -> probe. Adding a kind: one file in this folder and one line here.
import type { SourceConfig } from '../../../shared/config';
import type { Probe } from './probe';
import { postgresProbe } from './postgres';
import { dumpDirProbe } from './dump-dir';
import { pgbackrestProbe } from './pgbackrest';
import { borgProbe } from './borg';
import { resticProbe } from './restic';

type ProbeRegistry = { [K in SourceConfig['kind']]: Probe<Extract<SourceConfig, { kind: K }>> };

export const probes: ProbeRegistry = {
  postgres: postgresProbe,
  'dump-dir': dumpDirProbe,
  pgbackrest: pgbackrestProbe,
  borg: borgProbe,
  restic: resticProbe,
};

export function probeFor<S extends SourceConfig>(source: S): Probe<S> {
  return probes[source.kind] as unknown as Probe<S>;
}
