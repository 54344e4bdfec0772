// The source form's fields: the common ones and polling here; each kind's own rendered from its description
// (shared/kinds/<kind>.ts: fieldsets, labels, hints, placeholders, the "On another machine" sentence), so a new
// kind adds no code here. The pieces a description names (text, a choice of postgres source, a config-file-only
// field, the keychain's password) and the ssh and drill sections are the same for every kind.
import type { ReactNode } from 'react';
import { COMMON_FIELDS, drillFieldsOf, type DrillCheckForm, type SourceForm } from '../../settings/source-form';
import { CONFIG_FILE_ONLY_FIELDS } from '../../../shared/api-edit-rules';
import { DRILL_RECOVERY_CHOICES, REMOTE_FIELDS, SOURCE_KIND_INFO, type FormField, type KeychainFormField } from '../../../shared/source-kinds';
import { ReadOnlyField, SelectField, TextField } from './fields';

export interface FieldsProps {
  form: SourceForm;
  set: (path: string, value: string) => void;
  setChecks: (checks: DrillCheckForm[]) => void;
  setPasswordStored: (stored: boolean) => void;
  problems: Map<string, string[]>;
  /** ids of the postgres sources, for database and compareTo. */
  postgresIds: string[];
  /** Shown only where the transport can keep a password (the desktop app's keychain). */
  password: { value: string; onChange: (value: string) => void } | null;
}

/** A text field's value: "url", or "drill.every" in the drill section. */
function textOf(form: SourceForm, path: string): string {
  const value = path.startsWith('drill.') ? form.drill[path.slice(6) as keyof SourceForm['drill']] : form[path as keyof SourceForm];
  return typeof value === 'string' ? value : '';
}

function Text({ f, path, label, hint, placeholder, multiline }: { f: FieldsProps; path: string; label: string; hint?: ReactNode; placeholder?: string; multiline?: boolean }) {
  return (
    <TextField
      path={path}
      label={label}
      hint={hint}
      placeholder={placeholder}
      multiline={multiline}
      value={textOf(f.form, path)}
      onChange={(v) => f.set(path, v)}
      problems={f.problems.get(path)}
    />
  );
}

export function CommonFields({ f, idLocked }: { f: FieldsProps; idLocked?: boolean }) {
  return (
    <fieldset>
      <legend>Source</legend>
      <Text f={f} path="id" label="Id" hint={`Lowercase letters, digits and dashes, like orders-db${idLocked ? '. Renaming starts a new history.' : '.'}`} />
      <Text f={f} path="name" label="Name" hint="Shown on the dashboard; the id when empty." />
    </fieldset>
  );
}

export function PollingFields({ f }: { f: FieldsProps }) {
  return (
    <fieldset>
      <legend>Polling</legend>
      <Text f={f} path="interval" label="Poll every" placeholder="config default" hint={`Like 90s, 15m, 26h or 7d.`} />
      <Text f={f} path="timeout" label="Probe timeout" placeholder="config default" />
    </fieldset>
  );
}

/** The chosen kind's own fields, from its description (shared/kinds/<kind>.ts), then its drills if it has any. */
export function SourceKindFields({ f }: { f: FieldsProps }) {
  const info = SOURCE_KIND_INFO[f.form.kind];
  return (
    <>
      {info.form.map((section, i) =>
        'remote' in section ? (
          <RemoteFields key={i} f={f} what={section.remote} />
        ) : (
          <fieldset key={i}>
            <legend>{section.legend}</legend>
            {section.fields.map((field) => (
              <KindField key={'keychain' in field ? field.keychain : field.path} f={f} field={field} />
            ))}
          </fieldset>
        ),
      )}
      {info.drillFields !== null && <DrillFields f={f} />}
    </>
  );
}

/** Every kind renders through SourceKindFields; a record over the kinds for the form page, which picks by kind. */
function KindField({ f, field }: { f: FieldsProps; field: FormField }) {
  if ('keychain' in field) return field.keychain === 'password' ? <KeychainPassword f={f} field={field} /> : <KeychainPasswordStored f={f} field={field} />;
  if ('choose' in field) {
    return (
      <SelectField
        path={field.path}
        label={field.label}
        none={field.none}
        options={f.postgresIds}
        value={textOf(f.form, field.path)}
        onChange={(v) => f.set(field.path, v)}
        problems={f.problems.get(field.path)}
        hint={field.hint}
      />
    );
  }
  const fileOnly = CONFIG_FILE_ONLY_FIELDS[field.path];
  if (fileOnly !== undefined) {
    return <ReadOnlyField path={field.path} label={field.label} value={textOf(f.form, field.path)} why={fileOnly} hint={field.hint} problems={f.problems.get(field.path)} />;
  }
  return <Text f={f} path={field.path} label={field.label} hint={field.hint} placeholder={field.placeholder} multiline={field.multiline} />;
}

/** A password for the desktop app's keychain, only where the transport can keep one. */
function KeychainPassword({ f, field }: { f: FieldsProps; field: KeychainFormField }) {
  if (!f.password) return null;
  return (
    <TextField
      path="password"
      label={field.label}
      type="password"
      autoComplete="new-password"
      hint={field.hint}
      value={f.password.value}
      onChange={f.password.onChange}
      problems={f.problems.get('password')}
    />
  );
}

/** While the source uses the password the keychain keeps: unchecking it lets the other fields name one. */
function KeychainPasswordStored({ f, field }: { f: FieldsProps; field: KeychainFormField }) {
  if (!f.form.passwordStored) return null;
  return (
    <div className="field">
      <label>
        <input type="checkbox" name="passwordStored" checked onChange={() => f.setPasswordStored(false)} />
        {` ${field.label}`}
      </label>
      {f.problems.get('passwordStored')?.map((message, i) => (
        <p key={i} className="problem" data-testid="problem-passwordStored">
          {message}
        </p>
      ))}
    </div>
  );
}

/** Where the store is read: this machine, or a host over ssh. */
function RemoteFields({ f, what }: { f: FieldsProps; what: string }) {
  return (
    <fieldset>
      <legend>On another machine</legend>
      <Text f={f} path="host" label="On host (ssh)" placeholder="this machine" hint={`user@backup1, with your ssh config, keys and agent (never a password prompt). ${what}`} />
      <Text f={f} path="sshOptions" label="ssh options" multiline placeholder="e.g. Port=2222" hint="One Key=Value per line, as ssh -o takes them: Port, User, IdentityFile, UserKnownHostsFile, ConnectTimeout and other options that run nothing. Anything else (ProxyJump, ProxyCommand, …) goes in ~/.ssh/config for this host." />
      {f.form.fileOnlySshOptions.length > 0 && (
        <div className="field file-only" data-testid="file-only-sshOptions">
          <p>Also set in the config file, kept as they are (the dashboard cannot set options that run programs or reach other hosts):</p>
          <ul>
            {f.form.fileOnlySshOptions.map((option) => (
              <li key={option}>
                <code>{option}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </fieldset>
  );
}

function DrillFields({ f }: { f: FieldsProps }) {
  const checks = f.form.drill.checks;
  const shown = new Set<string>(drillFieldsOf(f.form.kind));
  const change = (i: number, part: Partial<DrillCheckForm>) => f.setChecks(checks.map((c, j) => (j === i ? { ...c, ...part } : c)));
  return (
    <fieldset>
      <legend>Restore drills</legend>
      <p className="hint">Each drill restores a dump into a throwaway PostgreSQL and verifies it.</p>
      <Text f={f} path="drill.every" label="Drill every" placeholder="e.g. 7d" hint="Empty: only when you run one." />
      <Text f={f} path="drill.maxAge" label="Max time since a passing drill" placeholder="e.g. 8d" hint="Warning when no drill passed within this time." />
      {shown.has('jobs') && <Text f={f} path="drill.jobs" label="Parallel restore jobs" placeholder="2" hint="pg_restore -j" />}
      <Text f={f} path="drill.timeout" label="Drill timeout" placeholder="6h" />
      {shown.has('compareTo') && <SelectField path="drill.compareTo" label="Compare row counts with" none="(no comparison)" options={f.postgresIds} value={f.form.drill.compareTo} onChange={(v) => f.set('drill.compareTo', v)} problems={f.problems.get('drill.compareTo')} />}
      {shown.has('tolerance') && <Text f={f} path="drill.tolerance" label="Row count tolerance" placeholder="5%" />}
      <Text f={f} path="drill.minTables" label="Fewest tables a restore may bring back" placeholder="e.g. 12" hint="Fewer fails the drill. Empty: any number, but none at all fails." />
      <Text f={f} path="drill.minRows" label="Fewest rows a restore may bring back" placeholder="e.g. 1000" hint="All tables together; fewer fails the drill. Empty: every table empty is a warning." />
      {shown.has('recovery') && (
        <SelectField
          path="drill.recovery"
          label="Replay WAL to"
          none="(the kind's default)"
          options={[...DRILL_RECOVERY_CHOICES]}
          value={f.form.drill.recovery}
          onChange={(v) => f.set('drill.recovery', v)}
          problems={f.problems.get('drill.recovery')}
          hint="end-of-archive: every archived segment, proving point-in-time recovery; backup-end: only until the backup is consistent."
        />
      )}
      {shown.has('readDataSubset') && <Text f={f} path="drill.readDataSubset" label="Pack data read back" placeholder="1%" hint="restic check --read-data-subset: 5%, 1/10 or 500M." />}
      <div className="checks" data-testid="drill-checks">
        <h4>Checks</h4>
        <p className="hint">SQL run in the restored database; each must return true.</p>
        {f.problems.get('drill.checks')?.map((message, i) => (
          <p key={i} className="problem" data-testid="problem-drill.checks">
            {message}
          </p>
        ))}
        {checks.map((check, i) => (
          <div className="check" key={i}>
            <TextField path={`drill.checks[${i}].name`} label={`Check ${i + 1} name`} value={check.name} onChange={(name) => change(i, { name })} problems={f.problems.get(`drill.checks[${i}].name`)} />
            <TextField
              path={`drill.checks[${i}].sql`}
              label={`Check ${i + 1} SQL`}
              multiline
              placeholder="e.g. select count(*) > 0 from orders"
              value={check.sql}
              onChange={(sql) => change(i, { sql })}
              problems={f.problems.get(`drill.checks[${i}].sql`)}
            />
            <button type="button" onClick={() => f.setChecks(checks.filter((_, j) => j !== i))}>
              Remove check {i + 1}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => f.setChecks([...checks, { name: '', sql: '' }])}>
          Add check
        </button>
      </div>
    </fieldset>
  );
}

/** Every field path the form shows for this kind, so problems can find their field. */
export function fieldPaths(form: SourceForm, withPassword: boolean): string[] {
  const info = SOURCE_KIND_INFO[form.kind];
  const shown = (field: FormField): string[] => {
    if (!('keychain' in field)) return [field.path];
    return (field.keychain === 'password' ? withPassword : form.passwordStored) ? [field.keychain] : [];
  };
  const own = info.form.flatMap((section) => ('remote' in section ? [...REMOTE_FIELDS] : section.fields.flatMap(shown)));
  if (info.drillFields === null) return [...COMMON_FIELDS, ...own];
  const checks = form.drill.checks.flatMap((_, i) => [`drill.checks[${i}].name`, `drill.checks[${i}].sql`]);
  return [...COMMON_FIELDS, ...own, ...drillFieldsOf(form.kind).map((key) => `drill.${key}`), 'drill.checks', ...checks];
}
