// A source's drill settings (jobs, checks, compareTo) and the engine's drill context, as runDumpDrill takes
// them. Every kind whose backups hold pg_dump output ends in the same dump drill: dump-dir restores its files
// as they are; borg (and restic) first extract an archive and then hand the dump they found to it.
import type { DrillConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import type { DrillContext } from '../probes/probe';
import { DEFAULT_EXTENSION_ALLOWLIST } from './drill-roles';
import type { DumpDrillOptions } from './dump-drill';

export function dumpDrillOptions(source: { id: string; drill?: DrillConfig }, backup: ObservedBackup, ctx: DrillContext): DumpDrillOptions {
  const drill = source.drill;
  const compareTo = drill?.compareTo ? ctx.config.sources.find((s) => s.id === drill.compareTo) : undefined;
  return {
    sourceId: source.id,
    backup,
    jobs: drill?.jobs ?? 2,
    checks: drill?.checks ?? [],
    compareTo: compareTo?.kind === 'postgres' ? { source: compareTo, tolerance: drill?.tolerance ?? 0.05 } : undefined,
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
