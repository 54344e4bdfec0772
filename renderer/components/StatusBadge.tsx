import type { Status } from '../../shared/model';
import { STATUS_WORD } from '../words';

/** The status as a coloured word: the colour helps, the word carries the meaning. */
export function StatusBadge({ status, testId }: { status: Status; testId?: string }) {
  return (
    <span className={`status status-${status}`} data-status={status} data-testid={testId}>
      {STATUS_WORD[status]}
    </span>
  );
}
