// A source's drill settings (jobs, checks, compareTo, minRows, minTables) and the engine's drill context, as
// runDumpDrill takes them. Every kind whose backups hold pg_dump output ends in the same dump drill: dump-dir
// restores its files as they are; borg (and restic) first extract an archive and then hand the dump they found
// to it.
import type { DrillConfig, PostgresSourceConfig, SourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { urlDatabase } from '../postgres/url';
import type { DrillContext } from '../sources/probe';
import type { DrillExpectations } from './drill-judgement';
import { DEFAULT_EXTENSION_ALLOWLIST } from './drill-roles';
import type { DumpDrillOptions } from './dump-drill';

/** What dumpDrillOptions reads of a source: every kind's drill, and a dump-dir's dbname and database link. */
export interface DumpDrillSource {
  id: string;
  drill?: DrillConfig;
  dbname?: string;
  database?: string;
}

export function dumpDrillOptions(source: DumpDrillSource, backup: ObservedBackup, ctx: DrillContext): DumpDrillOptions {
  const drill = source.drill;
  const compareTo = postgresSource(drill?.compareTo, ctx.config.sources);
  return {
    sourceId: source.id,
    backup,
    jobs: drill?.jobs ?? 2,
    checks: drill?.checks ?? [],
    compareTo: compareTo ? { source: compareTo, tolerance: drill?.tolerance ?? 0.05 } : undefined,
    linkedLive: compareTo ? undefined : postgresSource(source.database, ctx.config.sources),
    expect: drillExpectations(source, ctx.config.sources, ctx.previousDatabase),
    postgresBin: ctx.config.defaults.postgresBin,
    extensionAllowlist: [...DEFAULT_EXTENSION_ALLOWLIST, ...ctx.config.defaults.drillExtensions],
    parentDir: ctx.config.defaults.drillDir,
    secrets: ctx.secrets,
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    onProgress: ctx.onProgress,
    now: ctx.now,
  };
}

/**
 * What the restored database must be: the source's `dbname`, else the database its linked postgres source
 * connects to, unless that one is left out of coverage (coverageIgnore, default postgres: a monitoring
 * connection to the maintenance database says nothing about what is dumped).
 */
export function drillExpectations(source: DumpDrillSource, sources: readonly SourceConfig[], previousDatabase?: string): DrillExpectations {
  const expect: DrillExpectations = {};
  if (source.dbname) {
    expect.database = { name: source.dbname, from: 'its dbname' };
  } else {
    const linked = postgresSource(source.database, sources);
    const name = linked ? urlDatabase(linked.url) : null;
    if (linked && name && !(linked.coverageIgnore ?? ['postgres']).includes(name)) {
      expect.database = { name, from: `the database ${linked.id} connects to; set dbname on ${source.id} if its dumps hold another` };
    }
  }
  if (source.drill?.minRows !== undefined) expect.minRows = source.drill.minRows;
  if (source.drill?.minTables !== undefined) expect.minTables = source.drill.minTables;
  if (previousDatabase !== undefined) expect.previousDatabase = previousDatabase;
  return expect;
}

function postgresSource(id: string | undefined, sources: readonly SourceConfig[]): PostgresSourceConfig | undefined {
  const found = id === undefined ? undefined : sources.find((s) => s.id === id);
  return found?.kind === 'postgres' ? found : undefined;
}
