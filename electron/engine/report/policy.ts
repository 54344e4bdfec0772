// What a source or a database is judged by, from the config (issue 17): the drill schedule, the age and size limits,
// the recovery objectives. Only judging fields are picked, one by one, so a URL, a password, a token or an ssh
// option can never reach the policy history or a report. Defaults are applied as the health rules apply them, so a
// change of `defaults.maxAge` shows as a change of every source's maxAge. Pure.
import type { Config, SourceConfig } from '../../../shared/config';
import { checkName } from '../drills/verify';
import type { PolicyEntry } from '../store/policies';

/** A source's judging limits; durations in ms. Absent: not set (and no default applies). */
export interface SourcePolicy {
  kind: SourceConfig['kind'];
  interval: number;
  failuresBeforeCritical: number;
  maxAge?: number;
  minSize?: number;
  maxFullAge?: number;
  maxArchiveAge?: number;
  maxReplicationLag?: number;
  maxRecoveryPoint?: number;
  maxWaitingForWals?: number;
  standbys?: string[];
  database?: string;
  drill?: DrillPolicy;
}

export interface DrillPolicy {
  every?: number;
  maxAge?: number;
  timeout: number;
  minRows?: number;
  minTables?: number;
  compareTo?: string;
  tolerance?: number;
  recovery?: string;
  /** Each check's name as its drill results name it (drills/verify.ts). */
  checks: string[];
}

export interface DatabasePolicy {
  server: string;
  rpo?: number;
  rto?: number;
  drillAge: number;
}

export const sourceSubject = (id: string) => `source:${id}`;
export const databaseSubject = (server: string, name: string) => `database:${server}/${name}`;

/** Every source's and database's policy, in config order. */
export function policiesOf(config: Pick<Config, 'defaults' | 'sources' | 'databases'>): PolicyEntry[] {
  return [
    ...config.sources.map((source) => ({ subject: sourceSubject(source.id), policy: sourcePolicy(source, config.defaults) as unknown as Record<string, unknown> })),
    ...config.databases.map((db) => ({ subject: databaseSubject(db.server, db.name), policy: defined({ server: db.server, rpo: db.rpo, rto: db.rto, drillAge: db.drillAge }) })),
  ];
}

export function sourcePolicy(source: SourceConfig, defaults: Config['defaults']): SourcePolicy {
  const s = source as Partial<Record<string, unknown>> & SourceConfig;
  const archived = source.kind === 'postgres' || source.kind === 'basebackup' || source.kind === 'barman';
  const drill = 'drill' in source ? source.drill : undefined;
  return defined({
    kind: source.kind,
    interval: source.interval ?? defaults.interval,
    failuresBeforeCritical: defaults.failuresBeforeCritical,
    maxAge: source.kind === 'postgres' ? undefined : (source.maxAge ?? defaults.maxAge),
    minSize: number(s.minSize),
    maxFullAge: number(s.maxFullAge),
    maxArchiveAge: archived ? (number(s.maxArchiveAge) ?? defaults.maxArchiveAge) : number(s.maxArchiveAge),
    maxReplicationLag: source.kind === 'postgres' ? (source.maxReplicationLag ?? defaults.maxReplicationLag) : undefined,
    maxRecoveryPoint: number(s.maxRecoveryPoint),
    maxWaitingForWals: number(s.maxWaitingForWals),
    standbys: source.kind === 'postgres' && source.standbys?.length ? [...source.standbys] : undefined,
    database: source.kind === 'postgres' ? undefined : source.database,
    drill: drill && drillPolicy(drill),
  }) as unknown as SourcePolicy;
}

function drillPolicy(drill: NonNullable<Extract<SourceConfig, { drill?: unknown }>['drill']>): DrillPolicy {
  const d = drill as typeof drill & { compareTo?: string; tolerance?: number; recovery?: string };
  return defined({
    every: drill.every,
    maxAge: drill.maxAge,
    timeout: drill.timeout,
    minRows: drill.minRows,
    minTables: drill.minTables,
    compareTo: d.compareTo,
    tolerance: d.compareTo === undefined ? undefined : d.tolerance,
    recovery: d.recovery,
    checks: drill.checks.map(checkName),
  }) as unknown as DrillPolicy;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** The object without its undefined fields, so two equal policies serialise to the same text. */
function defined<T extends Record<string, unknown>>(fields: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
