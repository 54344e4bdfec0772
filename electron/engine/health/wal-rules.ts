// WAL continuity, for every kind that keeps WAL (basebackup, pgbackrest): is every segment point-in-time
// recovery needs in the archive, from the oldest base backup's start to the newest archived segment?
// The check itself is electron/engine/wal/continuity.ts; its summary travels in the kind's metrics as
// `walArchive`, and this rule judges it.
//
// A gap and a truncated segment are critical: recovery stops there, and every later time is lost. A missing
// .history file of the followed timeline is critical too: recovery cannot follow the switch, so it stops
// where the old timeline ended.
//
// The newest WAL existing only as .partial is said with status ok (information, not a warning): a .partial
// is normal and needs no action. pg_receivewal always writes its current segment as .partial, and after a
// promotion the old timeline's last segment is archived as .partial by design; recovery never reads one, so
// the finding says what it holds is not restorable yet. A warning there would be on for ever in pg_receivewal
// setups and teach people to ignore the colour. An archive that stopped receiving is the maxArchiveAge
// rule's, not this one's.
import type { Finding, WalArchiveSummary } from '../../../shared/model';
import { formatBytes, utcWords } from '../../../shared/units';
import type { Rule } from './types';

/** "2026-11-30 04:12 UTC": unambiguous whatever the desktop's time zone. */
function segments(n: number): string {
  return `${n} segment${n === 1 ? '' : 's'}`;
}

/** The findings a WAL archive's summary calls for; [] when every needed segment is there. */
export function judgeWalArchive(summary: WalArchiveSummary): Finding[] {
  const findings: Finding[] = [];
  const first = summary.gaps[0];
  if (summary.gapCount > 0 && first) {
    const more = summary.gapCount > 1 ? ` (${summary.gapCount} gaps, ${segments(summary.missingSegments)} missing in all)` : '';
    const message =
      first.after === null
        ? `point-in-time recovery cannot start: ${first.firstMissing}, the first WAL segment the oldest base backup needs, is not in the archive (${segments(first.missing)} missing from it)${more}; that backup cannot be restored`
        : `point-in-time recovery stops at ${first.after}${first.afterArchivedAt !== null ? ` (archived ${utcWords(first.afterArchivedAt, 'minute')})` : ''}: ${segments(first.missing)} missing after it; restores to later times are impossible${more}`;
    findings.push({ rule: 'wal-continuity', status: 'critical', message, observed: summary.missingSegments, limit: 0 });
  }
  const cut = summary.truncated[0];
  if (summary.truncatedCount > 0 && cut) {
    const more = summary.truncatedCount > 1 ? ` (${summary.truncatedCount} segments are cut short in all)` : '';
    findings.push({
      rule: 'wal-continuity',
      status: 'critical',
      message: `WAL segment ${cut.name} in the archive is ${formatBytes(cut.sizeBytes)}, not ${formatBytes(summary.segmentSize)}: it was cut short (a full disk or an interrupted copy) and point-in-time recovery stops there${more}; copy it again from the server's pg_wal while it is still there`,
      observed: summary.truncatedCount,
      limit: 0,
    });
  }
  for (const timeline of summary.missingHistories) {
    const name = `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
    findings.push({
      rule: 'wal-continuity',
      status: 'critical',
      message: `${name} is missing from the WAL archive or cannot be read: recovery cannot follow timeline ${timeline} and stops where the timeline before it ended; copy it from the promoted server's pg_wal into the archive, readable by the user reading the archive`,
      observed: name,
      limit: null,
    });
  }
  if (summary.newestPartial) {
    findings.push({
      rule: 'wal-continuity',
      status: 'ok',
      message: `the newest WAL exists only as ${summary.newestPartial.name} (archived ${utcWords(summary.newestPartial.archivedAt, 'minute')}): recovery never reads a .partial file, so restores reach ${summary.newestSegment ?? 'no segment'} at most until a full segment follows`,
      observed: summary.newestPartial.name,
      limit: null,
    });
  }
  return findings;
}

/** The archive summary of the latest successful poll, for kinds whose metrics carry one. */
export function walArchiveOf(metrics: unknown): WalArchiveSummary | null {
  if (typeof metrics !== 'object' || metrics === null || !('walArchive' in metrics)) return null;
  return (metrics as { walArchive?: WalArchiveSummary | null }).walArchive ?? null;
}

/** The wal-continuity rule: any kind whose latest poll's metrics hold `walArchive`. */
export const walContinuityRule: Rule = (input) => {
  const summary = input.latest?.ok ? walArchiveOf(input.latest.metrics) : null;
  return summary ? judgeWalArchive(summary) : [];
};
