// The form that adds or edits one alert channel, inside the settings page's alert section. One form per kind
// (webhook, ntfy, Slack-compatible, e-mail); a command channel is shown read-only, as are a passwordFile and
// a variable's name: the engine refuses to set them, and says so beside the field. A password typed here goes
// to the keychain (desktop app); where none can be kept (serve), the form says what to set in the file instead.
import { useState } from 'react';
import type { AlertChannelSettings, EditableAlertChannel } from '../../../shared/api';
import { ALERT_MIN_STATUSES, CHANNEL_SECRET_HOLDER, type ChannelKind } from '../../../shared/alerts-config';
import { visibleText } from '../../../shared/visible-text';
import { useBridge } from '../../api/BridgeContext';
import { useValidatedSave } from '../../hooks/useValidatedSave';
import { channelFieldPaths, channelFromForm, emptyChannelForm, formFromChannel, withChannelKind, FORM_CHANNEL_KINDS, type ChannelForm } from '../../settings/channel-form';
import { placeProblems } from '../../settings/field-problems';
import { ReadOnlyField, SelectField, TextField } from '../settings/fields';
import { FormActions, FormProblems } from '../settings/FormParts';
import { CHANNEL_KIND_WORD } from './alert-words';

interface TextSpec {
  label: string;
  placeholder?: string;
  hint?: string;
}

const TEXT: Record<string, TextSpec> = {
  id: { label: 'Id', placeholder: 'ops-hook', hint: 'Lowercase letters, digits and dashes; alerts and the delivery log name the channel by it.' },
  name: { label: 'Name', placeholder: 'as the id' },
  sources: { label: 'Only these sources', placeholder: 'every source', hint: 'Source ids, separated by commas.' },
  databases: { label: 'Only sources holding these databases', placeholder: 'every database', hint: 'Database names, separated by commas; with sources, a change matching either alerts.' },
  remindEvery: { label: 'Remind every', placeholder: 'no reminders', hint: 'Send again this often while a source stays critical, e.g. 24h.' },
  timeout: { label: 'Timeout per attempt', placeholder: '10s', hint: 'At most 10m.' },
  url: { label: 'URL', placeholder: 'https://hooks.example.com/backup' },
  topic: { label: 'Topic', placeholder: 'backup-alerts' },
  priority: { label: 'Priority (1–5)', placeholder: '5 for critical, 4 unknown, 3 otherwise' },
  user: { label: 'User', placeholder: 'none', hint: 'With a password: basic auth as this user; without a user, the password is an access token.' },
  to: { label: 'To', placeholder: 'ops@example.com', hint: 'Addresses, separated by commas.' },
  from: { label: 'From', placeholder: 'backup-health@example.com' },
  'smtp.host': { label: 'SMTP server', placeholder: 'mail.example.com' },
  'smtp.port': { label: 'SMTP port', placeholder: '587 (465 with TLS)' },
  'smtp.user': { label: 'SMTP user', placeholder: 'no login' },
};

const URL_PLACEHOLDER: Partial<Record<ChannelKind, string>> = { slack: 'https://hooks.slack.com/services/…', ntfy: 'https://ntfy.sh' };
const PASSWORD_LABEL: Partial<Record<ChannelKind, string>> = { webhook: 'Bearer token', ntfy: 'Password or access token', email: 'SMTP password' };

export function ChannelEditor({ settings, channel, onDone }: { settings: AlertChannelSettings; channel: EditableAlertChannel | null; onDone: (saved: string | null) => void }) {
  const bridge = useBridge();
  const [form, setForm] = useState<ChannelForm>(() => (channel ? formFromChannel(channel) : emptyChannelForm('webhook')));
  const [password, setPassword] = useState('');
  const { form: ref, problems, saving, failure, save: saveWith } = useValidatedSave();
  const originalId = channel?.id;
  const fileOnly = channel?.fileOnly ?? [];
  const readOnly = form.kind === 'command';
  const title = originalId ? `Edit alert channel ${originalId}` : 'Add an alert channel';

  const placed = placeProblems(problems, channelFieldPaths(form, fileOnly.map((f) => f.field)));
  const setText = (path: string, value: string) => setForm({ ...form, text: { ...form.text, [path]: value } });
  const text = (path: string, spec: Partial<TextSpec> = {}) => {
    const base = TEXT[path] ?? { label: path };
    return (
      <TextField
        key={path}
        path={path}
        label={spec.label ?? base.label}
        hint={spec.hint ?? base.hint}
        placeholder={spec.placeholder ?? base.placeholder}
        value={form.text[path] ?? ''}
        onChange={(v) => setText(path, v)}
        problems={placed.byField.get(path)}
      />
    );
  };
  /** A secret the form was never sent: empty keeps it, typing replaces it. */
  const kept = (path: string, spec: Partial<TextSpec> = {}) => {
    const what = channel?.kept[path];
    if (!what || form.text[path]) return text(path, spec);
    const shown = what === 'set' ? 'kept as the config file has it' : `kept: ${what}/… (its path is the secret)`;
    return text(path, { ...spec, placeholder: shown, hint: `Leave empty to keep it; type a new one to replace it.${spec.hint ? ` ${spec.hint}` : ''}` });
  };

  const save = () => {
    const edit = { channel: channelFromForm(form), ...(originalId ? { originalId } : {}), ...(password ? { password } : {}) };
    saveWith(() => bridge.saveAlertChannel(edit), () => onDone(String(edit.channel.id)));
  };

  const holder = CHANNEL_SECRET_HOLDER[form.kind];
  const storedPath = holder === 'smtp' ? 'smtp.passwordStored' : 'passwordStored';
  const fileSecret = fileOnly.some((f) => /password(File|Env)$/.test(f.field));
  return (
    <form
      ref={ref}
      className="channel-form source-form"
      aria-label={title}
      data-testid={`channel-form-${originalId ?? 'new'}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!readOnly) save();
      }}
    >
      <h3>{title}</h3>
      {!originalId && (
        <fieldset className="kind-choice">
          <legend>Kind</legend>
          {FORM_CHANNEL_KINDS.map((kind) => (
            <label key={kind}>
              <input type="radio" name="channel-kind" value={kind} checked={form.kind === kind} onChange={() => setForm(withChannelKind(form, kind))} /> {CHANNEL_KIND_WORD[kind]}
            </label>
          ))}
          <p className="hint">A command channel runs a program, so it is added in the config file ({settings.configFile}).</p>
        </fieldset>
      )}
      <FormProblems general={placed.general} failure={failure} testId="channel-general-problems" />
      {readOnly && (
        <p className="notice" data-testid="channel-read-only">
          A command channel runs a program, so it is edited in the config file only ({settings.configFile}); here it is shown as it is.
        </p>
      )}
      <fieldset disabled={readOnly}>
        <legend>{CHANNEL_KIND_WORD[form.kind]}</legend>
        {text('id')}
        {text('name')}
        {form.kind === 'webhook' && kept('url', { hint: 'The alert is POSTed there as JSON (see README, Alerts).' })}
        {form.kind === 'slack' && kept('url', { placeholder: URL_PLACEHOLDER.slack, hint: 'A Slack or Mattermost incoming webhook; the whole URL is its secret.' })}
        {form.kind === 'ntfy' && (
          <>
            {kept('url', { placeholder: URL_PLACEHOLDER.ntfy, label: 'ntfy server' })}
            {kept('topic', { hint: 'On ntfy.sh anyone who knows the topic can read it: pick one nobody guesses.' })}
            {text('priority')}
            {text('user')}
          </>
        )}
        {form.kind === 'email' && (
          <>
            {text('to')}
            {text('from')}
            {text('smtp.host')}
            {text('smtp.port')}
            <SelectField
              path="smtp.tls"
              label="Encryption"
              none="starttls (default)"
              options={['starttls', 'tls', 'none']}
              value={form.text['smtp.tls'] ?? ''}
              onChange={(v) => setText('smtp.tls', v)}
              problems={placed.byField.get('smtp.tls')}
              hint="starttls: upgraded and required; tls: TLS from the start (port 465); none: never encrypted."
            />
            {text('smtp.user')}
          </>
        )}
        {form.kind === 'command' && <ReadOnlyField path="command" label="Command" value={JSON.stringify(form.extra.command ?? [])} why="it names a program Backup Health runs" problems={placed.byField.get('command')} />}
        {fileOnly
          .filter((f) => f.field !== 'command')
          .map((f) => (
            <ReadOnlyField key={f.field} path={f.field} label={f.field} value={fileOnlyValue(channel!, f.field)} why={f.why} problems={placed.byField.get(f.field)} />
          ))}
        {holder && !readOnly && !fileSecret && (
          <PasswordField
            kind={form.kind}
            canStore={settings.canStorePasswords}
            stored={form.passwordStored}
            value={password}
            onChange={setPassword}
            onForget={() => setForm({ ...form, passwordStored: false })}
            problems={[...(placed.byField.get('password') ?? []), ...(placed.byField.get(storedPath) ?? [])]}
          />
        )}
      </fieldset>
      <fieldset disabled={readOnly}>
        <legend>When it alerts</legend>
        <SelectField
          path="minStatus"
          label="Lowest status that alerts"
          none="warning (default)"
          options={ALERT_MIN_STATUSES.filter((s) => s !== 'warning')}
          value={form.text.minStatus === 'warning' ? '' : (form.text.minStatus ?? '')}
          onChange={(v) => setText('minStatus', v)}
          problems={placed.byField.get('minStatus')}
        />
        {text('sources')}
        {text('databases')}
        <div className="field">
          <label>
            <input type="checkbox" name="recoveries" checked={form.recoveries} onChange={(e) => setForm({ ...form, recoveries: e.target.checked })} /> Say when a source recovers
          </label>
        </div>
        {text('remindEvery')}
        {text('timeout')}
      </fieldset>
      <FormActions saveLabel={readOnly ? null : 'Save channel'} saving={saving} onCancel={() => onDone(null)} configFile={settings.configFile} />
    </form>
  );
}

function PasswordField(props: { kind: ChannelKind; canStore: boolean; stored: boolean; value: string; onChange: (v: string) => void; onForget: () => void; problems: string[] }) {
  const label = PASSWORD_LABEL[props.kind] ?? 'Password';
  if (!props.canStore) {
    const where = props.kind === 'email' ? 'smtp.passwordEnv or smtp.passwordFile' : 'passwordEnv or passwordFile';
    return (
      <div className="field" data-testid="channel-password-elsewhere">
        <p className="hint">
          {label}: this server has no keychain to keep it in. Set {where} for this channel in the config file (a file with chmod 600, or an environment variable
          of backup-health serve).
        </p>
        {props.problems.map((message, i) => (
          <p key={i} className="problem" data-testid="problem-password">
            {message}
          </p>
        ))}
      </div>
    );
  }
  return (
    <>
      <TextField
        path="password"
        label={`${label} (kept in the OS keychain)`}
        type="password"
        autoComplete="new-password"
        placeholder={props.stored ? 'kept in the keychain' : 'none'}
        hint={props.stored ? 'Leave empty to keep the one in the keychain; type a new one to replace it.' : 'Kept by the OS keychain, never in the config file, which only says passwordStored.'}
        value={props.value}
        onChange={props.onChange}
        problems={props.problems}
      />
      {props.stored && (
        <button type="button" onClick={props.onForget} data-testid="channel-forget-password">
          Forget the kept {label.toLowerCase()}
        </button>
      )}
    </>
  );
}

/** A file-only field's value as written: a file name, or a variable's name ($SMTP_PASSWORD). */
function fileOnlyValue(channel: EditableAlertChannel, path: string): string {
  const fields = channel.fields;
  if (path.startsWith('headers.')) return channel.kept[path] ?? '';
  const value = path.startsWith('smtp.') ? (fields.smtp as Record<string, unknown> | undefined)?.[path.slice(5)] : fields[path];
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return visibleText(/Env$/.test(path) ? `$${text}` : text);
}
