// Remove, for an entry of a settings list (a source, an alert channel, a database's objectives): it first asks
// "Remove … from the config?" with what stays, then calls the API; "Removing…" while it runs, and why it could
// not, beside it.
import type { Validation } from '../../../shared/api';
import { visibleText } from '../../../shared/visible-text';
import { useConfirmedRemoval } from '../../hooks/useConfirmedRemoval';

export interface ConfirmedRemoveProps {
  /** How the buttons name what goes: "alert channel ops-hook", "the objectives of orders on orders-db". */
  subject: string;
  /** How the question and its Yes name it ("ops-hook"); the subject when absent. */
  short?: string;
  /** What stays after it: "Its delivery history stays." */
  stays: string;
  remove: () => Promise<Validation>;
  onRemoved: () => void;
}

export function ConfirmedRemove({ subject, short = subject, stays, remove: removeIt, onRemoved }: ConfirmedRemoveProps) {
  const { confirming, setConfirming, removing, problems, remove } = useConfirmedRemoval(removeIt, onRemoved);
  return (
    <>
      {confirming ? (
        <span className="confirm" role="group" aria-label={`Confirm removing ${subject}`}>
          Remove {short} from the config? {stays}{' '}
          <button type="button" className="danger" onClick={remove} disabled={removing}>
            Yes, remove {short}
          </button>
          <button type="button" onClick={() => setConfirming(false)} disabled={removing} autoFocus>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove ${subject}`}>
          Remove
        </button>
      )}
      {removing && (
        <span className="muted" role="status">
          Removing…
        </span>
      )}
      {problems.length > 0 && (
        <span className="problem" role="alert">
          {problems.map((p) => visibleText(p.message)).join('; ')}
        </span>
      )}
    </>
  );
}
