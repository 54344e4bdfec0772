// `backup-health drill --source ID [--backup KEY]`: restore a backup into a throwaway PostgreSQL, verify it,
// record the drill. Exit 0 pass, 2 fail (the backup is bad, or every backup of the source is unreadable),
// 3 error (the drill could not run, or there is nothing to drill).
import type { Drill, DrillOutcome } from '../../shared/model';
import { formatBytes, formatDuration } from '../../shared/units';
import { DrillRequestError, Engine } from '../engine/engine';
import { CliError, EXIT_UNKNOWN, openHistory, readConfigOrExit, type GlobalOptions } from './context';
import { terminalJson, visibleText } from '../../shared/visible-text';
import { progressReporter } from './progress';

export interface DrillOptions extends GlobalOptions {
  source: string;
  backup?: string;
  json?: boolean;
}

const EXIT: Record<DrillOutcome, number> = { pass: 0, fail: 2, error: 3 };

export async function drillCommand(options: DrillOptions): Promise<number> {
  const config = readConfigOrExit(options);
  const store = openHistory(options);
  const engine = new Engine({ config, store });
  const progress = progressReporter(process.stderr);
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'drill-progress') progress.update(event.progress);
  });
  // Ctrl-C or a service manager's TERM: stop the restore and let cleanup remove the scratch cluster.
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await engine.sweepLeftovers();
    if (!config.sources.some((s) => s.id === options.source)) {
      throw new CliError(`--source: no source "${options.source}" in the config (sources: ${config.sources.map((s) => s.id).join(', ') || 'none configured'})`, EXIT_UNKNOWN);
    }
    // runDrill looks at the source first: the newest backup is what is there now, and that poll is recorded.
    const drill = await engine.runDrill(options.source, { backupKey: options.backup, signal: controller.signal });
    progress.done();
    process.stdout.write(options.json ? `${terminalJson(drillJson(drill), 2)}\n` : drillText(drill));
    return EXIT[drill.outcome];
  } catch (err) {
    progress.done();
    if (err instanceof DrillRequestError) throw new CliError(err.message, EXIT_UNKNOWN);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unsubscribe();
    engine.stop();
    store.close();
  }
}

export function drillJson(drill: Drill) {
  return {
    outcome: drill.outcome,
    sourceId: drill.sourceId,
    backupKey: drill.backupKey,
    durationMs: drill.finishedAt - drill.startedAt,
    restoreMs: drill.restoreMs,
    phases: drill.phases,
    tables: drill.tables,
    rows: drill.rows,
    restoredBytes: drill.restoredBytes,
    checks: drill.checks.map((c) => ({ name: c.name, passed: c.passed, detail: c.detail })),
    message: drill.message,
    database: drill.database ?? null,
    warnings: drill.warnings ?? [],
    ...(drill.safety ? { safety: drill.safety } : {}),
  };
}

/** The drill for a terminal: ids, keys, messages and checks can all name files, so each is escaped. */
export function drillText(drill: Drill): string {
  const v = visibleText;
  const lines = [`${drill.outcome.toUpperCase()} ${v(drill.sourceId)}: ${v(drill.message)}`, `  backup    ${v(drill.backupKey)}`];
  lines.push(`  took      ${formatDuration(drill.finishedAt - drill.startedAt)}${drill.restoreMs !== null ? ` (restore and verify ${formatDuration(drill.restoreMs)})` : ''}`);
  const phases = Object.entries(drill.phases).map(([phase, ms]) => `${phase} ${formatDuration(ms ?? 0)}`);
  if (phases.length) lines.push(`  phases    ${phases.join(', ')}`);
  // A drill that never got to restore (no readable backup, an archive refused up front) restored nothing to list.
  const restoreRan = drill.outcome !== 'error' && Object.keys(drill.phases).length > 0;
  if (restoreRan || drill.tables > 0) {
    lines.push(`  restored  ${drill.tables} tables, ${drill.rows.toLocaleString('en-US')} rows${drill.restoredBytes !== null ? `, ${formatBytes(drill.restoredBytes)}` : ''}`);
  }
  for (const check of drill.checks) lines.push(`  check     ${check.passed ? 'ok  ' : 'FAIL'} ${v(check.name)}: ${v(check.detail)}`);
  // Doubts a passing drill found (every table empty, tables the live database has): each on its own line.
  for (const warning of drill.warnings ?? []) lines.push(`  warning   ${v(warning)}`);
  // How the backup was kept from harming this machine: said on every drill, and loudly when unsandboxed.
  if (drill.safety) lines.push(`  ran       ${v(drill.safety.ranAs)}`);
  if (drill.safety?.skipped.length) lines.push(`  skipped   ${v(drill.safety.skipped.join(', '))} (only a superuser may create these; drills restore without one)`);
  return `${lines.join('\n')}\n`;
}
