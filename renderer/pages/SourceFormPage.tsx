// Add or edit one source. Problems come from the engine (validateSource / testSource / saveSource), the
// same validation the config file gets, and are put beside the field they are about.
import { useEffect, useRef, useState } from 'react';
import type { SettingsData, SourceEdit, SourceTest } from '../../shared/api';
import type { ConfigProblem } from '../../shared/config';
import { SOURCE_KIND_INFO, type SourceKind } from '../../shared/source-kinds';
import { useBridge } from '../api/BridgeContext';
import { errorMessage } from '../api/error-message';
import { ErrorNotice } from '../components/ErrorNotice';
import { FindingList } from '../components/FindingList';
import { CommonFields, PollingFields, SourceKindFields, fieldPaths, type FieldsProps } from '../components/settings/SourceFields';
import { StatusBadge } from '../components/StatusBadge';
import { navigate } from '../hooks/useHashRoute';
import { useSettings } from '../hooks/useSettings';
import { href } from '../routes';
import { placeProblems } from '../settings/field-problems';
import { emptyForm, formFromSource, sourceFromForm, withField, withKind, withoutExtra, type SourceForm } from '../settings/source-form';

const LIVE_VALIDATION_MS = 400;

export function SourceFormPage({ id }: { id: string | null }) {
  const settings = useSettings();
  if (settings.error && !settings.data) return <ErrorNotice message={settings.error} onRetry={settings.refresh} />;
  if (!settings.data) return <p className="muted">Loading…</p>;
  if (id !== null) {
    const source = settings.data.sources.find((s) => s.id === id);
    if (!source) {
      return (
        <section className="page">
          <a href={href.settings()}>← Settings</a>
          <ErrorNotice message={`There is no source "${id}" in ${settings.data.configFile}.`} />
        </section>
      );
    }
    return <SourceEditor key={id} settings={settings.data} originalId={id} initial={formFromSource(source)} />;
  }
  return <SourceEditor key="new" settings={settings.data} originalId={undefined} initial={null} />;
}

type Busy = 'testing' | 'saving' | null;

function SourceEditor({ settings, originalId, initial }: { settings: SettingsData; originalId: string | undefined; initial: SourceForm | null }) {
  const bridge = useBridge();
  const [form, setForm] = useState<SourceForm | null>(initial);
  const [password, setPassword] = useState('');
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  /** Before the first Test or Save, live problems show only beside fields the user has changed. */
  const [touched, setTouched] = useState<Set<string> | 'all'>(new Set());
  const [test, setTest] = useState<SourceTest | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // Only the newest answer (live validation, Test, Save) may set the problems.
  const latest = useRef(0);
  const formRef = useRef<HTMLElement>(null);
  /** After Test or Save came back with problems, the first one gets the focus (keyboard and screen-reader users land on it). */
  const [focusProblem, setFocusProblem] = useState(0);

  useEffect(() => {
    if (focusProblem === 0) return;
    const target = formRef.current?.querySelector<HTMLElement>('[data-testid="general-problems"], [aria-invalid="true"]');
    target?.focus();
  }, [focusProblem]);

  const withPassword = settings.canStorePasswords && form?.kind === 'postgres';
  const edit = (f: SourceForm): SourceEdit => ({
    source: sourceFromForm(f),
    ...(originalId !== undefined ? { originalId } : {}),
    ...(withPassword && password ? { password } : {}),
  });

  useEffect(() => {
    if (!form || (touched !== 'all' && touched.size === 0)) return;
    const request = ++latest.current;
    const timer = setTimeout(() => {
      bridge.validateSource(edit(form)).then(
        (result) => request === latest.current && setProblems(result.problems),
        () => undefined, // live validation is a courtesy; Test and Save report their own errors
      );
    }, LIVE_VALIDATION_MS);
    return () => clearTimeout(timer);
  }, [form, bridge]);

  if (!form) {
    return (
      <section className="page source-form" aria-labelledby="form-title">
        <a href={href.settings()}>← Settings</a>
        <h1 id="form-title">Add a source</h1>
        <KindChoice kinds={settings.kinds} onChoose={(kind) => setForm(emptyForm(kind))} />
      </section>
    );
  }

  const paths = fieldPaths(form, withPassword);
  const visible = touched === 'all' ? problems : problems.filter((p) => [...touched].some((field) => p.path === field || p.path.startsWith(`${field}.`) || p.path.startsWith(`${field}[`)));
  const placed = placeProblems(visible, paths);
  const touch = (path: string) => setTouched((t) => (t === 'all' ? t : new Set(t).add(path)));
  const fields: FieldsProps = {
    form,
    set: (path, value) => {
      setForm(withField(form, path, value));
      touch(path);
    },
    setChecks: (checks) => {
      setForm({ ...form, drill: { ...form.drill, checks } });
      touch('drill.checks');
    },
    setPasswordStored: (passwordStored) => {
      setForm({ ...form, passwordStored });
      touch('passwordStored');
    },
    problems: placed.byField,
    postgresIds: settings.sources.filter((s) => s.kind === 'postgres' && s.id !== originalId).map((s) => String(s.id)),
    password: withPassword ? { value: password, onChange: setPassword } : null,
  };

  const run = (what: 'testing' | 'saving') => {
    const request = ++latest.current;
    setBusy(what);
    setFailure(null);
    setTouched('all');
    if (what === 'testing') setTest(null);
    const current = edit(form);
    const call = what === 'testing' ? bridge.testSource(current) : bridge.saveSource(current);
    call.then(
      (result) => {
        setBusy(null);
        if (request !== latest.current) return;
        setProblems(result.problems);
        if (result.problems.length > 0) setFocusProblem((n) => n + 1);
        if (what === 'testing') setTest(result);
        else if (result.ok) navigate(href.settings({ saved: String(current.source.id) }));
      },
      (error: unknown) => {
        setBusy(null);
        setFailure(errorMessage(error));
      },
    );
  };

  return (
    <section className="page source-form" aria-labelledby="form-title" ref={formRef}>
      <a href={href.settings()}>← Settings</a>
      <h1 id="form-title">{originalId === undefined ? `Add a ${SOURCE_KIND_INFO[form.kind].formLabel.toLowerCase()}` : `Edit ${originalId}`}</h1>
      {originalId === undefined && <KindChoice kinds={settings.kinds} chosen={form.kind} onChoose={(kind) => setForm(withKind(form, kind))} />}
      {Object.keys(form.extra).length > 0 && (
        <div className="notice" data-testid="extra-keys">
          Not on this form, kept as written in {settings.configFile}:
          <ul>
            {Object.entries(form.extra).map(([key, value]) => (
              <li key={key}>
                <code>
                  {key}: {JSON.stringify(value)}
                </code>{' '}
                <button type="button" onClick={() => setForm(withoutExtra(form, key))}>
                  Drop {key}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {placed.general.length > 0 && (
        <ul className="notice notice-error" data-testid="general-problems" role="alert" tabIndex={-1}>
          {placed.general.map((p, i) => (
            <li key={i}>{p.path ? `${nameOtherSource(p.path, settings.sources)}: ${p.message}` : p.message}</li>
          ))}
        </ul>
      )}
      {failure && <ErrorNotice message={failure} />}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run('saving');
        }}
        noValidate
      >
        <CommonFields f={fields} idLocked={originalId !== undefined} />
        <SourceKindFields f={fields} />
        <PollingFields f={fields} />
        {test && <TestResult test={test} />}
        <div className="form-actions">
          <button type="button" onClick={() => run('testing')} disabled={busy !== null}>
            Test
          </button>
          <button type="submit" className="primary" disabled={busy !== null}>
            Save
          </button>
          {busy && (
            <span className="muted" role="status">
              {busy === 'testing' ? 'Testing…' : 'Saving…'}
            </span>
          )}
          <span className="muted">Saved to {settings.configFile}</span>
        </div>
      </form>
    </section>
  );
}

/** "sources[0].url" -> 'source "db1": url': a problem in another source, named as the user knows it. */
function nameOtherSource(path: string, sources: Record<string, unknown>[]): string {
  const match = /^sources\[(\d+)\]\.?(.*)$/.exec(path);
  const source = match ? sources[Number(match[1])] : undefined;
  if (!match || !source) return path;
  return `source "${String(source.id)}"${match[2] ? `: ${match[2]}` : ''}`;
}

function KindChoice({ kinds, chosen, onChoose }: { kinds: SourceKind[]; chosen?: SourceKind; onChoose: (kind: SourceKind) => void }) {
  return (
    <fieldset className="kind-choice">
      <legend>What to watch</legend>
      {kinds
        .filter((kind) => kind in SOURCE_KIND_INFO)
        .map((kind) => (
          <label key={kind}>
            <input type="radio" name="kind" value={kind} checked={chosen === kind} onChange={() => onChoose(kind)} /> {SOURCE_KIND_INFO[kind].formLabel}
          </label>
        ))}
    </fieldset>
  );
}

function TestResult({ test }: { test: SourceTest }) {
  if (!test.ok) {
    return (
      <div className="test-result notice notice-error" data-testid="test-result" data-ok="false" role="status">
        Not tested: fix the problems shown first.
      </div>
    );
  }
  return (
    <div className="test-result notice" data-testid="test-result" data-ok="true" role="status">
      <p>
        {test.summary && <StatusBadge status={test.summary.status} testId="test-status" />} <span data-testid="test-observed">{test.observed ?? 'Nothing observed.'}</span>
      </p>
      {test.summary && <FindingList findings={test.summary.findings} />}
    </div>
  );
}
