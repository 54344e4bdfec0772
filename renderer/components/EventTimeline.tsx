import type { StatusEvent } from '../../shared/model';
import { visibleText } from '../../shared/visible-text';
import { ago, dateTime, worstFinding } from '../words';
import { StatusBadge } from './StatusBadge';

/** Status changes, newest first, as the API gives them. */
export function EventTimeline({ events, now }: { events: StatusEvent[]; now: number }) {
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Status changes</h2>
      {events.length === 0 ? (
        <p className="muted" data-testid="event-timeline">
          No status changes in this range.
        </p>
      ) : (
        <ol data-testid="event-timeline">
          {events.map((event, i) => {
            const why = worstFinding(event.findings);
            return (
              <li key={event.id ?? `${event.at}-${i}`} data-testid="timeline-event" data-to={event.to}>
                <time dateTime={new Date(event.at).toISOString()} title={dateTime(event.at)}>
                  {ago(event.at, now)}
                </time>{' '}
                {event.from ? <StatusBadge status={event.from} /> : <span className="muted">first seen</span>} <span aria-label="became">→</span>{' '}
                <StatusBadge status={event.to} />
                {why && <span className="event-why"> {visibleText(why.message)}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
