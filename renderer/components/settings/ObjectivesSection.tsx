// Settings: the recovery objectives per database (`databases:` in the config file), one row each with its RPO, RTO
// and drill age, Edit and Remove; "Add recovery objectives" opens an empty form. Reloaded whenever the config
// changes.
import type { ReactNode } from 'react';
import { visibleText } from '../../../shared/visible-text';
import { useBridge } from '../../api/BridgeContext';
import { NEW_ENTRY, useListEditing } from '../../hooks/useListEditing';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { objectiveTarget, objectiveWords, type ObjectiveTarget } from '../../settings/objective-form';
import { ErrorNotice } from '../ErrorNotice';
import { ConfirmedRemove } from './ConfirmedRemove';
import { ObjectiveEditor, objectiveLabel } from './ObjectiveEditor';
import './objectives.css';

export function ObjectivesSection() {
  const query = useLiveQuery((bridge) => bridge.databaseObjectives(), 'database-objectives', (event) => event.type === 'config');
  const data = query.data;
  const { editing, setEditing, notice, done } = useListEditing(query.refresh);
  const editor = (label: string, objective: Record<string, unknown> | null) =>
    data && editing === label ? <ObjectiveEditor key={label} settings={data} objective={objective} onDone={(saved) => done(saved && `Saved the recovery objectives of ${visibleText(saved)}.`)} /> : null;

  return (
    <section className="objective-settings" aria-labelledby="objective-settings-title" data-testid="objective-settings">
      <header className="page-header">
        <h2 id="objective-settings-title">Recovery objectives</h2>
        <span className="spacer" />
        {data && (
          <button type="button" className="primary" onClick={() => setEditing(NEW_ENTRY)} disabled={editing === NEW_ENTRY}>
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
      {editor(NEW_ENTRY, null)}
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
                  onRemoved={() => done(`Removed the recovery objectives of ${visibleText(label)}.`)}
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
        <ConfirmedRemove
          subject={`the objectives of ${label}`}
          stays="The database stays watched."
          remove={() => bridge.deleteDatabaseObjective(target)}
          onRemoved={onRemoved}
        />
      </span>
      {editor}
    </li>
  );
}
