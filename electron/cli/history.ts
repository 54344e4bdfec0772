// `backup-health history --source ID`: what was seen of one source — status changes, drills, backups, polls.
import { DURATION_RANGES, parseDuration, formatBytes, formatDuration, writeDuration } from '../../shared/units';
import { CliError, EXIT_UNKNOWN, openHistory, readConfigOrExit, type GlobalOptions } from './context';
import { terminalJson, visibleText } from '../../shared/visible-text';
import { statusWord, table, useColour } from './table';
import { sweepDrillLeftovers } from '../engine/drills/drill-leftovers';

export interface HistoryOptions extends GlobalOptions {
  source: string;
  since: string;
  json?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** --since as ms, or a usage error saying what it takes and what it got. */
function sinceOption(text: string): number {
  const found = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  const ms = parseDuration(text);
  if (ms === null) throw new CliError(`--since: ${found} is not a duration (use 90s, 15m, 26h, 7d)`, EXIT_UNKNOWN);
  if (!(ms >= SINCE_RANGE.min && ms <= SINCE_RANGE.max)) throw new CliError(`--since must be ${SINCE_RANGE.text} (found ${found})`, EXIT_UNKNOWN);
  return ms;
}

/** How far back --since may reach: a second at least, a century at most (any further is no longer a date). */
const SINCE_RANGE = { ...DURATION_RANGES.since, text: `between ${writeDuration(DURATION_RANGES.since.min)} and ${writeDuration(DURATION_RANGES.since.max)}` };

export async function historyCommand(options: HistoryOptions): Promise<number> {
  const sinceMs = sinceOption(options.since);
  const config = readConfigOrExit(options);
  if (!config.sources.some((s) => s.id === options.source)) {
    const ids = config.sources.map((s) => s.id).join(', ') || 'none configured';
    throw new CliError(`--source: no source "${options.source}" in the config (sources: ${ids})`, EXIT_UNKNOWN);
  }
  const now = Date.now();
  const since = now - sinceMs;
  const store = openHistory(options);
  try {
    // Any command that opens the history records the drills killed while they ran (and removes their clusters),
    // so what it prints includes them.
    await sweepDrillLeftovers(config.defaults.drillDir, config.sources.map((s) => s.id), store, now);
    const polls = store.polls(options.source, { since });
    const backups = store.backups(options.source, { limit: 10_000 }).filter((b) => b.finishedAt >= since || b.firstSeenAt >= since);
    const events = store.events({ sourceId: options.source, since });
    const drills = store.drills(options.source, { since });
    if (options.json) {
      process.stdout.write(`${terminalJson({ sourceId: options.source, since: iso(since), polls, backups, events, drills }, 2)}\n`);
      return 0;
    }
    const colour = useColour(process.stdout);
    const out: string[] = [`${visibleText(options.source)}: history since ${iso(since)} (${options.since})`, ''];
    out.push(`Status changes (${events.length})`);
    if (events.length) {
      out.push(
        table(
          ['AT', 'FROM', 'TO', 'WHY'],
          events.map((e) => [iso(e.at), e.from ? statusWord(e.from, colour) : '—', statusWord(e.to, colour), e.findings[0]?.message ?? '']),
        ),
      );
    }
    out.push('', `Restore drills (${drills.length})`);
    if (drills.length) {
      out.push(
        table(
          ['FINISHED', 'OUTCOME', 'RESTORE', 'ROWS', 'MESSAGE'],
          drills.map((d) => [iso(d.finishedAt), d.outcome.toUpperCase(), d.restoreMs === null ? '—' : formatDuration(d.restoreMs), d.rows.toLocaleString('en-US'), d.message]),
        ),
      );
    }
    out.push('', `Backups (${backups.length})`);
    if (backups.length) {
      out.push(
        table(
          ['FINISHED', 'SIZE', 'READABLE', 'BACKUP'],
          backups.map((b) => [iso(b.finishedAt), formatBytes(b.sizeBytes), b.readable ? 'yes' : `no: ${b.problem ?? ''}`, b.key]),
        ),
      );
    }
    out.push('', `Polls (${polls.length})`);
    if (polls.length) {
      out.push(
        table(
          ['AT', 'STATUS', 'TOOK', 'NEWEST BACKUP AGE', 'ERROR'],
          polls.map((p) => [
            iso(p.at),
            statusWord(p.status, colour),
            formatDuration(p.durationMs),
            p.newestBackupAt === null ? '—' : formatDuration(p.at - p.newestBackupAt),
            p.error ? `${p.error.code}: ${p.error.message}` : '',
          ]),
        ),
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
}
