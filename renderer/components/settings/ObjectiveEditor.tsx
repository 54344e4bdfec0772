// The form that adds or edits one database's recovery objectives, inside the settings page's objectives section:
// the postgres source watching its server, the database (one of those the Databases view knows on that server, or
// typed where none is known yet), and the RPO, RTO and drill age. The engine validates as `config check` does;
// each problem is shown beside its field.
import { useState } from 'react';
import type { DatabaseObjectiveSettings } from '../../../shared/api';
import { visibleText } from '../../../shared/visible-text';
import { useBridge } from '../../api/BridgeContext';
import { affectsDatabases } from '../../hooks/useDatabases';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { useValidatedSave } from '../../hooks/useValidatedSave';
import { href } from '../../routes';
import { placeProblems } from '../../settings/field-problems';
import { DEFAULT_DRILL_AGE, OBJECTIVE_FIELDS, formFromObjective, knownDatabaseNames, objectiveEdit, objectiveTarget, type ObjectiveField, type ObjectiveForm, type ObjectiveTarget } from '../../settings/objective-form';
import { SelectField, TextField } from './fields';
import { FormActions, FormProblems } from './FormParts';

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
  const { form: ref, problems, saving, failure, save: saveWith } = useValidatedSave();
  const title = original ? `Edit objectives of ${objectiveLabel(original)}` : 'Add recovery objectives';
  const noServers = settings.servers.length === 0;
  // Without a timing name: this is not the Databases page, whose render the benchmark times.
  const databases = useLiveQuery((b) => b.databases(), 'databases', affectsDatabases).data;
  const known = knownDatabaseNames(databases?.databases ?? [], form.server);

  const placed = placeProblems(problems, OBJECTIVE_FIELDS);
  const set = (field: ObjectiveField, value: string) => setForm({ ...form, [field]: value });
  const duration = (field: 'rpo' | 'rto' | 'drillAge') => (
    <TextField path={field} {...DURATION_TEXT[field]} value={form[field]} onChange={(v) => set(field, v)} problems={placed.byField.get(field)} />
  );

  const save = () => saveWith(() => bridge.saveDatabaseObjective(objectiveEdit(form, original)), () => onDone(objectiveLabel({ name: form.name.trim(), server: form.server })));

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
      <FormProblems general={placed.general} failure={failure} testId="objective-general-problems" />
      <fieldset>
        <legend>Database</legend>
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
              "The postgres source that watches the database's server."
            )
          }
        />
        {known.length > 0 ? (
          <SelectField
            path="name"
            label="Database"
            none="choose the database"
            options={known}
            optionLabel={visibleText}
            value={form.name}
            onChange={(v) => set('name', v)}
            problems={placed.byField.get('name')}
            hint={form.server ? `The databases Backup Health knows on ${form.server}.` : 'The databases Backup Health knows on its servers.'}
          />
        ) : (
          <TextField
            path="name"
            label="Database"
            placeholder="orders"
            hint={
              databases && form.server
                ? `No database of ${form.server} is known yet (it was not polled yet, or could not be read): type its name, as PostgreSQL names it.`
                : 'Its name on the server, as PostgreSQL names it.'
            }
            value={form.name}
            onChange={(v) => set('name', v)}
            problems={placed.byField.get('name')}
          />
        )}
      </fieldset>
      <fieldset>
        <legend>Objectives</legend>
        {duration('rpo')}
        {duration('rto')}
        {duration('drillAge')}
      </fieldset>
      <FormActions saveLabel="Save objectives" saving={saving} onCancel={() => onDone(null)} configFile={settings.configFile} />
    </form>
  );
}
