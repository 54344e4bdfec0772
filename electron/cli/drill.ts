// `backup-health drill --source ID [--backup KEY]`: restore a backup into a throwaway PostgreSQL, verify it,
// record the drill. Exit 0 pass, 2 fail (the backup is bad, or every backup of the source is unreadable),
// 3 error (the drill could not run, was interrupted by a signal or an internal error, or there is nothing to drill).
import type { Drill, DrillOutcome } from '../../shared/model';
import { formatBytes, formatDuration, utcWords } from '../../shared/units';
import { DrillRequestError, Engine } from '../engine/engine';
import { DrillInterrupted } from '../engine/drills/drill-stop';
import { CliError, EXIT_UNKNOWN, STOP_SIGNALS, openHistory, readConfigOrExit, type GlobalOptions } from './context';
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
  keepOutputErrorsQuiet();
  const progress = progressReporter(process.stderr);
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'drill-progress') progress.update(event.progress);
  });
  const interrupt = new AbortController();
  const stopInterrupting = interruptDrillOn(interrupt);
  try {
    await engine.sweepLeftovers();
    if (!config.sources.some((s) => s.id === options.source)) {
      throw new CliError(`--source: no source "${options.source}" in the config (sources: ${config.sources.map((s) => s.id).join(', ') || 'none configured'})`, EXIT_UNKNOWN);
    }
    // runDrill looks at the source first: the newest backup is what is there now, and that poll is recorded.
    const drill = await engine.runDrill(options.source, { backupKey: options.backup, signal: interrupt.signal });
    progress.done();
    process.stdout.write(options.json ? `${terminalJson(drillJson(drill), 2)}\n` : drillText(drill));
    return EXIT[drill.outcome];
  } catch (err) {
    progress.done();
    if (err instanceof DrillRequestError) throw new CliError(err.message, EXIT_UNKNOWN);
    throw err;
  } finally {
    stopInterrupting();
    unsubscribe();
    engine.stop();
    store.close();
  }
}

/**
 * Every way this process can be told to end, short of SIGKILL, ends the drill the same way: its steps stop,
 * its scratch cluster and directory are removed, and it is recorded as an error saying why ("the drill was
 * interrupted during the restore phase: backup-health got SIGHUP (its terminal or ssh session closed)"). A
 * second Ctrl-C or TERM ends the process at once (the drill's children die with it, the next command sweeps the
 * rest); an uncaught error is reported and stops the drill the same way instead of killing the process mid-way.
 * Returns the function that removes the handlers.
 */
function interruptDrillOn(interrupt: AbortController): () => void {
  const handlers = Object.entries(STOP_SIGNALS).map(([name, meaning]) => {
    const signal = name as keyof typeof STOP_SIGNALS;
    const handler = () => {
      // A session's hang-up may come more than once; a Ctrl-C or TERM after this one takes the default action.
      if (signal !== 'SIGHUP') process.off(signal, handler);
      if (!interrupt.signal.aborted) interrupt.abort(new DrillInterrupted(`backup-health got ${signal} (${meaning})`));
      else if (signal !== 'SIGHUP') process.kill(process.pid, signal); // already stopping: end now
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const onInternalError = (err: unknown) => {
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`backup-health: internal error, stopping the drill: ${visibleText(why)}\n`);
    if (!interrupt.signal.aborted) interrupt.abort(new DrillInterrupted(`backup-health hit an internal error: ${why}`));
  };
  process.on('uncaughtException', onInternalError);
  process.on('unhandledRejection', onInternalError);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    process.off('uncaughtException', onInternalError);
    process.off('unhandledRejection', onInternalError);
  };
}

/**
 * A closed terminal, pipe or ssh session makes writes to stdout and stderr fail (EPIPE, EIO). That is no
 * reason to die with a scratch cluster running: the drill goes on, is cleaned up and recorded in the history
 * whoever still reads this output, and what cannot be printed is dropped. Kept for the rest of the process.
 */
function keepOutputErrorsQuiet(): void {
  for (const stream of [process.stdout, process.stderr]) if (stream.listenerCount('error') === 0) stream.on('error', () => {});
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
    // A drill that replayed WAL: what it reached, as ISO times and milliseconds (wal-replay.ts).
    ...(drill.recovery
      ? {
          recoveredTo: isoOrNull(drill.recovery.recoveredTo),
          lastCommitAt: isoOrNull(drill.recovery.lastCommitAt),
          recoveryPointMs: drill.recovery.recoveryPointMs,
          walReplayed: drill.recovery.walReplayed,
          recovery: { ...drill.recovery, recoveredTo: isoOrNull(drill.recovery.recoveredTo), lastCommitAt: isoOrNull(drill.recovery.lastCommitAt), lastSegmentArchivedAt: isoOrNull(drill.recovery.lastSegmentArchivedAt) },
        }
      : {}),
  };
}

/** The replay's end in detail (the message already says the recovery point): segment, position, last commit. */
function reachedDetail(recovery: NonNullable<Drill['recovery']>): string {
  const parts = [
    recovery.lastReplayedSegment ? `last segment ${recovery.lastReplayedSegment}${recovery.lastReplayedLsn ? ` (${recovery.lastReplayedLsn})` : ''}` : 'no segment replayed',
    recovery.lastCommitAt === null ? 'no commit replayed' : `last commit ${utcWords(recovery.lastCommitAt)}`,
    ...(recovery.behindServerBytes ? [`${formatBytes(recovery.behindServerBytes)} of WAL behind the server`] : []),
    `to ${recovery.mode === 'end-of-archive' ? 'the end of the archive' : "the backup's end"}`,
  ];
  return parts.join(', ');
}

const isoOrNull = (at: number | null) => (at === null ? null : new Date(at).toISOString());

/** The drill for a terminal: ids, keys, messages and checks can all name files, so each is escaped. */
export function drillText(drill: Drill): string {
  const v = visibleText;
  const lines = [`${drill.outcome.toUpperCase()} ${v(drill.sourceId)}: ${v(drill.message)}`, `  backup    ${v(drill.backupKey)}`];
  lines.push(`  took      ${formatDuration(drill.finishedAt - drill.startedAt)}${drill.restoreMs !== null ? ` (restore and verify ${formatDuration(drill.restoreMs)})` : ''}`);
  const phases = Object.entries(drill.phases).map(([phase, ms]) => `${phase} ${formatDuration(ms ?? 0)}`);
  if (phases.length) lines.push(`  phases    ${phases.join(', ')}`);
  // A drill that never got to restore (no readable backup, an archive refused up front, a schema-only archive
  // failed from its TOC) restored nothing to list.
  const restoreRan = drill.outcome !== 'error' && drill.phases.restore !== undefined;
  if (restoreRan || drill.tables > 0) {
    lines.push(`  restored  ${drill.tables} tables, ${drill.rows.toLocaleString('en-US')} rows${drill.restoredBytes !== null ? `, ${formatBytes(drill.restoredBytes)}` : ''}`);
  }
  if (drill.recovery) lines.push(`  reached   ${v(reachedDetail(drill.recovery))}`);
  for (const check of drill.checks) lines.push(`  check     ${check.passed ? 'ok  ' : 'FAIL'} ${v(check.name)}: ${v(check.detail)}`);
  // Doubts a passing drill found (every table empty, tables the live database has): each on its own line.
  for (const warning of drill.warnings ?? []) lines.push(`  warning   ${v(warning)}`);
  // How the backup was kept from harming this machine: said on every drill, and loudly when unsandboxed.
  if (drill.safety) lines.push(`  ran       ${v(drill.safety.ranAs)}`);
  if (drill.safety?.skipped.length) lines.push(`  skipped   ${v(drill.safety.skipped.join(', '))} (only a superuser may create these; drills restore without one)`);
  return `${lines.join('\n')}\n`;
}
