// "Export evidence" (issue 17): the audit report of a period, for the page it is on (the overview: everything; a
// source or database page: that one). In the desktop app the main process asks where to save it and prints the
// PDF; in a browser (`serve`) the HTML or signed JSON is downloaded, and the PDF is left to the desktop app or the
// CLI, which the form says.
import { useState } from 'react';
import { useBridge } from '../api/BridgeContext';
import { errorMessage } from '../api/error-message';
import { offerDownload } from '../evidence/download';
import { evidenceRequest, initialEvidenceForm, type EvidenceForm, type EvidenceFormat, type EvidenceSelection } from '../evidence/evidence-form';

const FORMATS: { value: EvidenceFormat; label: string }[] = [
  { value: 'html', label: 'HTML page (prints well)' },
  { value: 'json', label: 'JSON, signed (checked with backup-health report verify)' },
  { value: 'pdf', label: 'PDF' },
];

export function ExportEvidenceButton({ selection = {}, covers }: { selection?: EvidenceSelection; /** "every source and database", "the source orders-dumps" */ covers: string }) {
  const [open, setOpen] = useState(false);
  return (
    <span className="export-evidence">
      <button type="button" onClick={() => setOpen(!open)} aria-expanded={open}>
        Export evidence
      </button>
      {open && <ExportEvidenceForm selection={selection} covers={covers} onClose={() => setOpen(false)} />}
    </span>
  );
}

type Outcome = { kind: 'idle' } | { kind: 'preparing' } | { kind: 'problem'; message: string } | { kind: 'done'; message: string };

function ExportEvidenceForm({ selection, covers, onClose }: { selection: EvidenceSelection; covers: string; onClose: () => void }) {
  const bridge = useBridge();
  const saveEvidence = bridge.saveEvidence;
  const [form, setForm] = useState<EvidenceForm>(() => initialEvidenceForm(navigator.language));
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const preparing = outcome.kind === 'preparing';
  const set = (change: Partial<EvidenceForm>) => setForm({ ...form, ...change });

  const exportReport = async () => {
    const made = evidenceRequest(form, selection);
    if ('problem' in made) return setOutcome({ kind: 'problem', message: made.problem });
    setOutcome({ kind: 'preparing' });
    try {
      if (saveEvidence) {
        const saved = await saveEvidence.call(bridge, made.request);
        setOutcome(saved.saved ? { kind: 'done', message: `Saved to ${saved.path}.` } : { kind: 'idle' });
      } else {
        const { paper: _paper, format, ...rest } = made.request;
        const report = await bridge.exportEvidence({ ...rest, format: format === 'json' ? 'json' : 'html' });
        offerDownload(report);
        setOutcome({ kind: 'done', message: `Downloaded ${report.fileName}, signed by key ${report.signingKey}.` });
      }
    } catch (err) {
      setOutcome({ kind: 'problem', message: errorMessage(err) });
    }
  };

  return (
    <form
      className="export-evidence-form"
      aria-label="Export evidence"
      data-testid="export-evidence-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void exportReport();
      }}
    >
      <p className="muted">
        The audit report of every restore drill, the schedule kept and the objectives met, for {covers}.
      </p>
      <fieldset disabled={preparing}>
        <legend>Period</legend>
        <label>
          <input type="radio" name="evidence-period" checked={form.period === 'last-90-days'} onChange={() => set({ period: 'last-90-days' })} /> The last 90 days
        </label>
        <label>
          <input type="radio" name="evidence-period" checked={form.period === 'dates'} onChange={() => set({ period: 'dates' })} /> Between dates (UTC)
        </label>
        {form.period === 'dates' && (
          <span className="evidence-dates">
            <label>
              From <input type="date" value={form.from} onChange={(e) => set({ from: e.target.value })} />
            </label>
            <label>
              To <input type="date" value={form.to} onChange={(e) => set({ to: e.target.value })} />
            </label>
          </span>
        )}
      </fieldset>
      <fieldset disabled={preparing}>
        <legend>Format</legend>
        {FORMATS.map(({ value, label }) => {
          const unavailable = value === 'pdf' && !saveEvidence;
          return (
            <label key={value}>
              <input type="radio" name="evidence-format" value={value} checked={form.format === value} disabled={unavailable} onChange={() => set({ format: value })} /> {label}
            </label>
          );
        })}
        {!saveEvidence && (
          <p className="hint" data-testid="evidence-pdf-hint">
            A PDF is printed by the desktop app, or by <code>backup-health report --format pdf</code>; here, save the HTML and print it from the browser.
          </p>
        )}
        {form.format === 'pdf' && (
          <label>
            Paper{' '}
            <select value={form.paper} onChange={(e) => set({ paper: e.target.value === 'Letter' ? 'Letter' : 'A4' })}>
              <option value="A4">A4</option>
              <option value="Letter">Letter</option>
            </select>
          </label>
        )}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={preparing}>
          {saveEvidence ? 'Save report…' : 'Download report'}
        </button>
        <button type="button" onClick={onClose} disabled={preparing}>
          Close
        </button>
        {preparing && (
          <span className="muted" role="status">
            Preparing…
          </span>
        )}
        {outcome.kind === 'done' && (
          <span role="status" data-testid="evidence-done">
            {outcome.message}
          </span>
        )}
        {outcome.kind === 'problem' && (
          <span className="problem" role="alert">
            {outcome.message}
          </span>
        )}
      </div>
    </form>
  );
}
