// Settings: the recovery objectives per database (`databases:` in the config file), one row each with its RPO, RTO
// and drill age, Edit and Remove; "Add recovery objectives" opens an empty form. Reloaded whenever the config
// changes.
import { useState, type ReactNode } from 'react';
import { visibleText } from '../../../shared/visible-text';
import { useBridge } from '../../api/BridgeContext';
import { useConfirmedRemoval } from '../../hooks/useConfirmedRemoval';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { objectiveTarget, objectiveWords, type ObjectiveTarget } from '../../settings/objective-form';
import { ErrorNotice } from '../ErrorNotice';
import { ObjectiveEditor, objectiveLabel } from './ObjectiveEditor';
import './objectives.css';

/** The form for a new entry, in the `editing` state. */
const NEW_OBJECTIVE = '';

export function ObjectivesSection() {
  const query = useLiveQuery((bridge) => bridge.databaseObjectives(), 'database-objectives', (event) => event.type === 'config');
  const data = query.data;
  /** The entry whose form is open, by its label (NEW_OBJECTIVE: a new one), or null. */
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (saved: string | null, what = 'Saved') => {
    setEditing(null);
    if (saved) {
      setNotice(`${what} the recovery objectives of ${visibleText(saved)}.`);
      query.refresh();
    }
  };
  const editor = (label: string, objective: Record<string, unknown> | null) =>
    data && editing === label ? <ObjectiveEditor key={label} settings={data} objective={objective} onDone={(saved) => done(saved)} /> : null;

  return (
    <section className="objective-settings" aria-labelledby="objective-settings-title" data-testid="objective-settings">
      <header className="page-header">
        <h2 id="objective-settings-title">Recovery objectives</h2>
        <span className="spacer" />
        {data && (
          <button type="button" className="primary" onClick={() => setEditing(NEW_OBJECTIVE)} disabled={editing === NEW_OBJECTIVE}>
            Add recovery objectives
          </button>
        )}
      </header>
      {data && (
        <p className="muted" data-testid="objectives-hint">
          Per database: the most data one may lose (RPO), the longest a restore may take (RTO), and how old the drill proving them may be. A database whose
          routines have not proved them is critical. Saved to the config file (<code>{data.configFile}</code>, under <code>databases:</code>), keeping its
          comments.
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="objective-notice">
          {notice}
        </p>
      )}
      {query.error && <ErrorNotice message={query.error} onRetry={query.refresh} />}
      {!data && !query.error && <p className="muted">Loading…</p>}
      {editor(NEW_OBJECTIVE, null)}
      {data &&
        (data.objectives.length === 0 ? (
          <p data-testid="no-objectives">
            No recovery objectives yet: add them here, or under databases: in the config file.
            {data.servers.length === 0 && ' They are set for a database on a postgres source, so add a PostgreSQL source first.'}
          </p>
        ) : (
          <ul className="settings-sources objective-list">
            {data.objectives.map((objective, i) => {
              const target = objectiveTarget(objective);
              const label = objectiveLabel(target);
              return (
                <ObjectiveItem
                  key={`${i}:${label}`}
                  target={target}
                  words={objectiveWords(objective)}
                  onEdit={() => setEditing(label)}
                  onRemoved={() => done(label, 'Removed')}
                  editor={editor(label, objective)}
                />
              );
            })}
          </ul>
        ))}
    </section>
  );
}

interface ObjectiveItemProps {
  target: ObjectiveTarget;
  words: string;
  onEdit: () => void;
  onRemoved: () => void;
  editor: ReactNode;
}

function ObjectiveItem({ target, words, onEdit, onRemoved, editor }: ObjectiveItemProps) {
  const bridge = useBridge();
  const label = visibleText(objectiveLabel(target));
  const { confirming, setConfirming, removing, problems, remove } = useConfirmedRemoval(() => bridge.deleteDatabaseObjective(target), onRemoved);
  return (
    <li data-testid={`objective-${objectiveLabel(target)}`} className="objective">
      <span className="settings-source-name">
        <strong>{visibleText(target.name)}</strong> on {visibleText(target.server)}
      </span>
      <span data-testid={`objective-words-${objectiveLabel(target)}`}>{visibleText(words)}</span>
      <span className="actions">
        <button type="button" onClick={onEdit} aria-label={`Edit objectives of ${label}`}>
          Edit
        </button>
        {confirming ? (
          <span className="confirm" role="group" aria-label={`Confirm removing the objectives of ${label}`}>
            Remove the objectives of {label} from the config? The database stays watched.{' '}
            <button type="button" className="danger" onClick={remove} disabled={removing}>
              Yes, remove the objectives of {label}
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={removing} autoFocus>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove objectives of ${label}`}>
            Remove
          </button>
        )}
        {removing && (
          <span className="muted" role="status">
            Removing…
          </span>
        )}
      </span>
      {problems.length > 0 && (
        <span className="problem" role="alert">
          {problems.map((p) => visibleText(p.message)).join('; ')}
        </span>
      )}
      {editor}
    </li>
  );
}
