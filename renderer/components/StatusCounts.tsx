import type { Status } from '../../shared/model';
import { STATUS_WORD, STATUSES_WORST_FIRST } from '../words';

/** `of` names what is counted: "Sources", "Databases". */
export function StatusCounts({ counts, of = 'Sources' }: { counts: Record<Status, number>; of?: string }) {
  return (
    <ul className="status-counts" aria-label={`${of} by status`}>
      {STATUSES_WORST_FIRST.map((status) => (
        <li key={status} className={`count count-${status}${counts[status] ? '' : ' count-zero'}`} data-testid={`count-${status}`}>
          <span className="count-number">{counts[status]}</span> <span className="count-word">{STATUS_WORD[status].toLowerCase()}</span>
        </li>
      ))}
    </ul>
  );
}
