// The form that adds or edits one database's recovery objectives, inside the settings page's objectives section:
// the database, the postgres source watching its server, and the RPO, RTO and drill age. The engine validates
// as `config check` does; each problem is shown beside its field.
import { useEffect, useRef, useState } from 'react';
import type { DatabaseObjectiveSettings } from '../../../shared/api';
import type { ConfigProblem } from '../../../shared/config';
import { useBridge } from '../../api/BridgeContext';
import { errorMessage } from '../../api/error-message';
import { href } from '../../routes';
import { placeProblems } from '../../settings/field-problems';
import { DEFAULT_DRILL_AGE, OBJECTIVE_FIELDS, formFromObjective, objectiveEdit, objectiveTarget, type ObjectiveField, type ObjectiveForm, type ObjectiveTarget } from '../../settings/objective-form';
import { SelectField, TextField } from './fields';

const DURATION_TEXT: Record<'rpo' | 'rto' | 'drillAge', { label: string; placeholder: string; hint: string }> = {
  rpo: {
    label: 'Recovery point objective (RPO)',
    placeholder: 'not set',
    hint: 'The most data one may lose: a drill must have proved a recovery point within this. A duration such as 15m or 1h; empty: not set.',
  },
  rto: { label: 'Recovery time objective (RTO)', placeholder: 'not set', hint: 'The longest a restore may take. A duration such as 30m or 2h; empty: not set.' },
  drillAge: { label: 'Drill age', placeholder: DEFAULT_DRILL_AGE, hint: `How old that drill may be; ${DEFAULT_DRILL_AGE} when empty.` },
};

export function objectiveLabel(target: ObjectiveTarget): string {
  return `${target.name} on ${target.server}`;
}

export function ObjectiveEditor({
  settings,
  objective,
  onDone,
}: {
  settings: DatabaseObjectiveSettings;
  /** The entry as the file has it; null adds one. */
  objective: Record<string, unknown> | null;
  /** Called with what was saved ("orders on orders-db"), or null when cancelled. */
  onDone: (saved: string | null) => void;
}) {
  const bridge = useBridge();
  const [original] = useState<ObjectiveTarget | null>(() => (objective ? objectiveTarget(objective) : null));
  const [form, setForm] = useState<ObjectiveForm>(() => formFromObjective(objective));
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const ref = useRef<HTMLFormElement>(null);
  const [focusProblem, setFocusProblem] = useState(0);
  const title = original ? `Edit objectives of ${objectiveLabel(original)}` : 'Add recovery objectives';
  const noServers = settings.servers.length === 0;

  useEffect(() => {
    if (focusProblem > 0) ref.current?.querySelector<HTMLElement>('[data-testid="objective-general-problems"], [aria-invalid="true"]')?.focus();
  }, [focusProblem]);

  const placed = placeProblems(problems, OBJECTIVE_FIELDS);
  const set = (field: ObjectiveField, value: string) => setForm({ ...form, [field]: value });
  const duration = (field: 'rpo' | 'rto' | 'drillAge') => (
    <TextField path={field} {...DURATION_TEXT[field]} value={form[field]} onChange={(v) => set(field, v)} problems={placed.byField.get(field)} />
  );

  const save = () => {
    setSaving(true);
    setFailure(null);
    const edit = objectiveEdit(form, original);
    bridge.saveDatabaseObjective(edit).then(
      (result) => {
        setSaving(false);
        setProblems(result.problems);
        if (result.ok) onDone(objectiveLabel({ name: form.name.trim(), server: form.server }));
        else setFocusProblem((n) => n + 1);
      },
      (error: unknown) => {
        setSaving(false);
        setFailure(errorMessage(error));
      },
    );
  };

  return (
    <form
      ref={ref}
      className="objective-form source-form"
      aria-label={title}
      data-testid={`objective-form-${original ? objectiveLabel(original) : 'new'}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <h3>{title}</h3>
      {placed.general.length > 0 && (
        <ul className="notice notice-error" data-testid="objective-general-problems" role="alert" tabIndex={-1}>
          {placed.general.map((p, i) => (
            <li key={i}>{p.path ? `${p.path}: ${p.message}` : p.message}</li>
          ))}
        </ul>
      )}
      {failure && (
        <p className="problem" role="alert">
          {failure}
        </p>
      )}
      <fieldset>
        <legend>Database</legend>
        <TextField
          path="name"
          label="Database"
          placeholder="orders"
          hint="Its name on the server, as PostgreSQL names it."
          value={form.name}
          onChange={(v) => set('name', v)}
          problems={placed.byField.get('name')}
        />
        <SelectField
          path="server"
          label="Server"
          none={noServers ? 'no postgres source yet' : 'choose the postgres source'}
          options={settings.servers}
          value={form.server}
          onChange={(v) => set('server', v)}
          problems={placed.byField.get('server')}
          hint={
            noServers ? (
              <span data-testid="objective-no-servers">
                A database's server is the postgres source that watches it, and there is none yet: <a href={href.editSource()}>add a PostgreSQL source</a> first.
              </span>
            ) : (
              'The postgres source that watches the database’s server.'
            )
          }
        />
      </fieldset>
      <fieldset>
        <legend>Objectives</legend>
        {duration('rpo')}
        {duration('rto')}
        {duration('drillAge')}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          Save objectives
        </button>
        <button type="button" onClick={() => onDone(null)} disabled={saving}>
          Cancel
        </button>
        {saving && (
          <span className="muted" role="status">
            Saving…
          </span>
        )}
        <span className="muted">Saved to {settings.configFile}</span>
      </div>
    </form>
  );
}
