// Labelled inputs whose problems sit right under them. Ids and test ids derive from the field's path in
// the source ("maxAge", "drill.jobs"), the same path validation problems carry.
import type { ReactNode } from 'react';

export const fieldId = (path: string) => `field-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

export interface FieldProps {
  path: string;
  label: string;
  hint?: ReactNode;
  problems?: string[];
}

function FieldShell({ path, label, hint, problems, children }: FieldProps & { children: ReactNode }) {
  const id = fieldId(path);
  return (
    <div className={`field${problems?.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {problems?.map((message, i) => (
        <p key={i} className="problem" id={i === 0 ? `${id}-problem` : undefined} data-testid={`problem-${path}`}>
          {message}
        </p>
      ))}
    </div>
  );
}

const describedBy = (path: string, props: FieldProps) =>
  [props.problems?.length ? `${fieldId(path)}-problem` : '', props.hint ? `${fieldId(path)}-hint` : ''].filter(Boolean).join(' ') || undefined;

export function TextField(
  props: FieldProps & { value: string; onChange: (value: string) => void; placeholder?: string; type?: 'text' | 'password'; multiline?: boolean; autoComplete?: string },
) {
  const { path, value, onChange, placeholder, type = 'text', multiline, autoComplete = 'off' } = props;
  const common = {
    id: fieldId(path),
    name: path,
    value,
    placeholder,
    'aria-invalid': props.problems?.length ? true : undefined,
    'aria-describedby': describedBy(path, props),
    spellCheck: false,
  };
  return (
    <FieldShell {...props}>
      {multiline ? (
        <textarea {...common} rows={3} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} type={type} autoComplete={autoComplete} onChange={(e) => onChange(e.target.value)} />
      )}
    </FieldShell>
  );
}

export function SelectField(props: FieldProps & { value: string; onChange: (value: string) => void; options: string[]; none: string; optionLabel?: (option: string) => string }) {
  const { path, value, onChange, options, none, optionLabel = (option) => option } = props;
  // A value the list does not offer (a source since renamed) stays selectable, so it round-trips and its problem shows.
  const all = value && !options.includes(value) ? [...options, value] : options;
  return (
    <FieldShell {...props}>
      <select
        id={fieldId(path)}
        name={path}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={props.problems?.length ? true : undefined}
        aria-describedby={describedBy(path, props)}
      >
        <option value="">{none}</option>
        {all.map((option) => (
          <option key={option} value={option}>
            {optionLabel(option)}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/**
 * A value the dashboard shows but never sets (it names a program to run, or a file that does): it is edited in
 * the config file only, and the note says so.
 */
export function ReadOnlyField(props: FieldProps & { value: string; why: string }) {
  const { path, value, why } = props;
  const note = `${fieldId(path)}-file-only`;
  return (
    <FieldShell {...props}>
      <input id={fieldId(path)} name={path} value={value} placeholder="not set" readOnly aria-readonly="true" aria-describedby={note} data-testid={`file-only-${path}`} />
      <p className="hint file-only" id={note}>
        Set in the config file: {why}.
      </p>
    </FieldShell>
  );
}
