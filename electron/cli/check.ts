// `backup-health check`: poll every source once, record it, print a table, exit with the Nagios code.
import { NAGIOS_EXIT, STATUS_SEVERITY, worstStatus, type SourceSummary, type Status } from '../../shared/model';
import { formatBytes, formatDuration } from '../../shared/units';
import { recoveryPointShort } from '../../shared/recovery-words';
import { Engine } from '../engine/engine';
import { openDeliveries, openHistory, readConfigOrExit, type GlobalOptions } from './context';
import { channelFailureFinding, type ChannelFailureFinding } from '../engine/alerts/channel-failure';
import { terminalJson } from '../../shared/visible-text';
import { statusWord, table, useColour } from './table';
import type { Config } from '../../shared/config';
import type { DatabaseSummary, ProvenRestore } from '../../shared/databases';

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
    const databases = engine.databases();
    // check sends no alerts (serve or the app does); it says when their channels stopped delivering.
    const failing = failingChannels(options, config);
    // Nothing configured is nothing proven: UNKNOWN, as the tray shows it, never OK.
    const status = worstStatus([...summaries.map((s) => s.status), ...databases.map((d) => d.status), ...failing.map((f) => f.status)], 'unknown');
    process.stdout.write(options.json ? `${terminalJson(checkJson(status, summaries, failing, databases), 2)}\n` : checkText(status, summaries, Date.now(), failing, databases));
    return NAGIOS_EXIT[status];
  } finally {
    store.close();
  }
}

/** The alert channels whose alerts are given up on, from the delivery log serve or the app keeps in the history. */
function failingChannels(options: GlobalOptions, config: Config): ChannelFailureFinding[] {
  const channels = config.alerts?.channels ?? [];
  if (channels.length === 0) return [];
  const deliveries = openDeliveries(options);
  try {
    const now = Date.now();
    return channels.flatMap((channel) => {
      const failure = deliveries.channelFailure(channel.id);
      return failure ? [channelFailureFinding(channel, failure, now)] : [];
    });
  } finally {
    deliveries.close();
  }
}

export function checkJson(status: Status, summaries: SourceSummary[], failing: readonly ChannelFailureFinding[] = [], databases: readonly DatabaseSummary[] = []) {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  const proven = (p: ProvenRestore | null) => p && { sourceId: p.sourceId, at: iso(p.at), backupKey: p.backupKey, restoreMs: p.restoreMs, recoveryPointMs: p.recoveryPointMs };
  return {
    status,
    alertChannels: failing.map((f) => ({ id: f.channelId, status: f.status, message: f.message })),
    databases: databases.map((d) => ({
      key: d.key,
      name: d.name,
      server: d.server?.id ?? null,
      status: d.status,
      sizeBytes: d.sizeBytes,
      routines: d.routines.map((r) => ({ sourceId: r.sourceId, kind: r.kind, status: r.status, holds: r.holds, newestBackupAt: iso(r.newestBackupAt), lastRestore: proven(r.lastRestore) })),
      lastRestore: proven(d.lastRestore),
      bestRecoveryPoint: proven(d.bestRecoveryPoint),
      objectives: d.objectives,
      findings: d.findings.map((f) => ({ rule: f.rule, status: f.status, message: f.message })),
    })),
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
      lastRestore: s.lastRestore && {
        at: new Date(s.lastRestore.at).toISOString(),
        restoreMs: s.lastRestore.restoreMs,
        backupKey: s.lastRestore.backupKey,
        // What a drill that replayed WAL reached; absent for dump drills.
        ...(s.lastRestore.recovery && {
          recovery: {
            mode: s.lastRestore.recovery.mode,
            recoveredTo: s.lastRestore.recovery.recoveredTo === null ? null : new Date(s.lastRestore.recovery.recoveredTo).toISOString(),
            recoveryPointMs: s.lastRestore.recovery.recoveryPointMs,
            idle: s.lastRestore.recovery.idle,
          },
        }),
      },
    })),
  };
}

export function checkText(status: Status, summaries: SourceSummary[], now: number, failing: readonly ChannelFailureFinding[] = [], databases: readonly DatabaseSummary[] = []): string {
  const colour = useColour(process.stdout);
  const counts = (['critical', 'unknown', 'warning', 'ok'] as const)
    .map((s) => [s, summaries.filter((x) => x.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .concat(databaseCounts(databases))
    .concat(failing.length > 0 ? [`${failing.length} alert channel${failing.length === 1 ? '' : 's'} failing`] : []);
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
      s.lastRestore ? lastRestoreWords(s.lastRestore, now) : '—',
      worst ? worst.message : '',
    ];
  });
  const channels = failing.length > 0 ? `\n${table(['ALERT CHANNEL', 'STATUS', 'FINDING'], failing.map((f) => [f.channelId, statusWord(f.status, colour), f.message]))}\n` : '';
  const dbTable = databases.length > 0 ? `\n${databaseTable(databases, now, colour)}\n` : '';
  if (rows.length === 0) return `${headline}\n${channels}`;
  return `${headline}\n\n${table(['SOURCE', 'STATUS', 'NEWEST BACKUP', 'SIZE', 'LAST RESTORE', 'FINDING'], rows)}\n${dbTable}${channels}`;
}

/** The databases not ok, for the headline: "1 database critical", "2 databases warning". */
function databaseCounts(databases: readonly DatabaseSummary[]): string[] {
  return (['critical', 'unknown', 'warning'] as const)
    .map((s) => [s, databases.filter((d) => d.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} database${n === 1 ? '' : 's'} ${s}`);
}

/** The database section: each database, what holds it, its last restore and best proven recovery point, worst first. */
function databaseTable(databases: readonly DatabaseSummary[], now: number, colour: boolean): string {
  const rows = databases.map((d) => {
    const worst = [...d.findings].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status])[0];
    const restore = d.lastRestore ? `${formatDuration(now - d.lastRestore.at)} ago from ${d.lastRestore.sourceId}${d.lastRestore.restoreMs !== null ? ` (${formatDuration(d.lastRestore.restoreMs)})` : ''}` : 'never';
    const point = d.bestRecoveryPoint?.recoveryPointMs != null ? `${d.bestRecoveryPoint.recoveryPointMs < 1000 ? 'under 1s' : formatDuration(d.bestRecoveryPoint.recoveryPointMs)} (${d.bestRecoveryPoint.sourceId})` : '—';
    return [
      d.name ?? `(${d.routines.map((r) => r.sourceId).join(', ')})`,
      d.server?.id ?? '—',
      statusWord(d.status, colour),
      d.routines.length ? d.routines.map((r) => `${r.sourceId} ${r.status}`).join(', ') : 'none',
      restore,
      point,
      worst ? worst.message : '',
    ];
  });
  return table(['DATABASE', 'SERVER', 'STATUS', 'ROUTINES', 'LAST RESTORE', 'RECOVERY POINT', 'FINDING'], rows);
}

/** "2h ago (4m 12s), to 3m 12s behind": when, how long the restore took, and the recovery point it reached. */
function lastRestoreWords(lastRestore: NonNullable<SourceSummary['lastRestore']>, now: number): string {
  const took = lastRestore.restoreMs !== null ? ` (${formatDuration(lastRestore.restoreMs)})` : '';
  const reached = lastRestore.recovery ? `, ${recoveryPointShort(lastRestore.recovery)}` : '';
  return `${formatDuration(now - lastRestore.at)} ago${took}${reached}`;
}
