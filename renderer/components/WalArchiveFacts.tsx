// The WAL archive as the newest poll saw it, in words: how fresh it is, where point-in-time recovery stops
// when segments are missing, and the window of times a recovery can reach on each timeline.
import type { WalArchiveView } from '../../shared/api';
import { countOf, formatBytes } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { ago, dateTime } from '../words';

function at(time: number | null): string {
  return time === null ? 'an unknown time' : dateTime(time);
}

export function WalArchiveFacts({ wal, now }: { wal: WalArchiveView | null; now: number }) {
  if (wal === null) return null;
  const s = wal.summary;
  if (s === null) {
    return (
      <section className="wal-facts" data-testid="wal-facts" aria-labelledby="wal-facts-title">
        <h3 id="wal-facts-title">WAL archive</h3>
        <p className="loud">
          The poll {ago(wal.at, now)} could not judge the WAL archive{wal.error ? `: ${visibleText(wal.error)}` : '.'}
        </p>
      </section>
    );
  }
  const more = s.gapCount - s.gaps.length;
  return (
    <section className="wal-facts" data-testid="wal-facts" aria-labelledby="wal-facts-title">
      <h3 id="wal-facts-title">WAL archive</h3>
      <ul>
        <li data-testid="wal-newest">
          {s.newestSegment === null ? (
            'No full segment archived yet.'
          ) : (
            <>
              Newest segment <code>{visibleText(s.newestSegment)}</code> archived {s.newestArchivedAt === null ? 'at an unknown time' : `${ago(s.newestArchivedAt, now)} (${dateTime(s.newestArchivedAt)})`}, timeline {s.timeline}.
            </>
          )}
          {s.newestPartial && (
            <>
              {' '}
              Newer WAL exists only as <code>{visibleText(s.newestPartial.name)}</code> ({ago(s.newestPartial.archivedAt, now)}): recovery never reads a .partial file.
            </>
          )}
        </li>
        {s.gaps.map((gap, i) => (
          <li key={i} className="loud" data-testid="wal-gap">
            {gap.after === null ? (
              <>
                The first segment recovery needs, <code>{visibleText(gap.firstMissing)}</code>, is missing ({countOf(gap.missing, 'segment')}): no point-in-time recovery from the oldest base backup is possible.
              </>
            ) : (
              <>
                {countOf(gap.missing, 'segment')} missing after <code>{visibleText(gap.after)}</code> (archived {at(gap.afterArchivedAt)}): point-in-time recovery stops there; restores to later times are impossible.
              </>
            )}
          </li>
        ))}
        {more > 0 && <li className="loud">{countOf(more, 'more gap')} after these ({countOf(s.missingSegments, 'segment')} missing in all).</li>}
        {s.truncatedCount > 0 && (
          <li className="loud">
            {countOf(s.truncatedCount, 'segment')} shorter than the segment size ({formatBytes(s.segmentSize)}), where recovery stops
            {s.truncated[0] && (
              <>
                : first <code>{visibleText(s.truncated[0].name)}</code>, {formatBytes(s.truncated[0].sizeBytes)}
              </>
            )}
            .
          </li>
        )}
        {s.missingHistories.length > 0 && (
          <li className="loud">
            The .history file of timeline {s.missingHistories.join(', ')} is not in the archive: recovery cannot find its way to it.
          </li>
        )}
        {s.windows.map((w) => (
          <li key={w.timeline} data-testid="wal-window">
            Recoverable on timeline {w.timeline}: from {at(w.fromArchivedAt)} (<code>{visibleText(w.fromSegment)}</code>) to {at(w.toArchivedAt)} (<code>{visibleText(w.toSegment)}</code>)
            {s.gapCount > 0 ? ', gaps aside.' : '.'}
          </li>
        ))}
        {s.otherTimelines.length > 0 && <li className="muted">Abandoned timelines in the archive, not followed: {s.otherTimelines.join(', ')}.</li>}
      </ul>
      <p className="muted">As the poll {ago(wal.at, now)} saw it.</p>
    </section>
  );
}
