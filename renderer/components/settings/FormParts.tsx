// What the settings forms that edit one entry in place share (an alert channel, a database's objectives): the
// problems no field of the form shows, on top, and the row of Save, Cancel, "Saving…" and where it is saved.
import type { ConfigProblem } from '../../../shared/config';

/** The problems that belong to no field (with their path), and the call's own failure. */
export function FormProblems({ general, failure, testId }: { general: ConfigProblem[]; failure: string | null; testId: string }) {
  return (
    <>
      {general.length > 0 && (
        <ul className="notice notice-error general-problems" data-testid={testId} role="alert" tabIndex={-1}>
          {general.map((p, i) => (
            <li key={i}>{p.path ? `${p.path}: ${p.message}` : p.message}</li>
          ))}
        </ul>
      )}
      {failure && (
        <p className="problem" role="alert">
          {failure}
        </p>
      )}
    </>
  );
}

/** Save (absent for what is shown read-only, whose form only closes), Cancel, "Saving…" while it runs. */
export function FormActions({ saveLabel, saving, onCancel, configFile }: { saveLabel: string | null; saving: boolean; onCancel: () => void; configFile: string }) {
  return (
    <div className="form-actions">
      {saveLabel && (
        <button type="submit" className="primary" disabled={saving}>
          {saveLabel}
        </button>
      )}
      <button type="button" onClick={onCancel} disabled={saving}>
        {saveLabel ? 'Cancel' : 'Close'}
      </button>
      {saving && (
        <span className="muted" role="status">
          Saving…
        </span>
      )}
      <span className="muted">Saved to {configFile}</span>
    </div>
  );
}
