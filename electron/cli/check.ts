// `backup-health check`: poll every source once, record it, print a table, exit with the Nagios code.
import { NAGIOS_EXIT, STATUS_SEVERITY, worstStatus, type SourceSummary, type Status } from '../../shared/model';
import { formatBytes, formatDuration } from '../../shared/units';
import { Engine } from '../engine/engine';
import { openHistory, readConfigOrExit, type GlobalOptions } from './context';
import { terminalJson } from '../../shared/visible-text';
import { statusWord, table, useColour } from './table';

export interface CheckOptions extends GlobalOptions {
  json?: boolean;
}

export async function checkCommand(options: CheckOptions): Promise<number> {
  const config = readConfigOrExit(options);
  const store = openHistory(options);
  try {
    const engine = new Engine({ config, store });
    // A drill killed outright (SIGKILL, a crash) is cleaned up and recorded by whatever opens the history next.
    await engine.sweepLeftovers();
    const summaries = await engine.pollAll();
    // Nothing configured is nothing proven: UNKNOWN, as the tray shows it, never OK.
    const status = worstStatus(summaries.map((s) => s.status), 'unknown');
    process.stdout.write(options.json ? `${terminalJson(checkJson(status, summaries), 2)}\n` : checkText(status, summaries, Date.now()));
    return NAGIOS_EXIT[status];
  } finally {
    store.close();
  }
}

export function checkJson(status: Status, summaries: SourceSummary[]) {
  return {
    status,
    sources: summaries.map((s) => ({
      id: s.id,
      kind: s.kind,
      status: s.status,
      findings: s.findings.map((f) => ({ rule: f.rule, status: f.status, message: f.message })),
      newestBackup: s.newestBackup && {
        key: s.newestBackup.key,
        finishedAt: new Date(s.newestBackup.finishedAt).toISOString(),
        sizeBytes: s.newestBackup.sizeBytes,
      },
      lastRestore: s.lastRestore && { at: new Date(s.lastRestore.at).toISOString(), restoreMs: s.lastRestore.restoreMs, backupKey: s.lastRestore.backupKey },
    })),
  };
}

export function checkText(status: Status, summaries: SourceSummary[], now: number): string {
  const colour = useColour(process.stdout);
  const counts = (['critical', 'unknown', 'warning', 'ok'] as const)
    .map((s) => [s, summaries.filter((x) => x.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  // Nagios shows the first line as the service's status text.
  const headline = `BACKUP HEALTH ${status.toUpperCase()} - ${summaries.length === 0 ? 'no sources configured' : counts.join(', ')}`;
  const sorted = [...summaries].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] || a.id.localeCompare(b.id));
  const rows = sorted.map((s) => {
    const worst = [...s.findings].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status])[0];
    return [
      s.id,
      statusWord(s.status, colour),
      s.newestBackup ? `${formatDuration(now - s.newestBackup.finishedAt)} ago` : '—',
      s.newestBackup ? formatBytes(s.newestBackup.sizeBytes) : '—',
      s.lastRestore ? `${formatDuration(now - s.lastRestore.at)} ago${s.lastRestore.restoreMs !== null ? ` (${formatDuration(s.lastRestore.restoreMs)})` : ''}` : '—',
      worst ? worst.message : '',
    ];
  });
  if (rows.length === 0) return `${headline}\n`;
  return `${headline}\n\n${table(['SOURCE', 'STATUS', 'NEWEST BACKUP', 'SIZE', 'LAST RESTORE', 'FINDING'], rows)}\n`;
}
