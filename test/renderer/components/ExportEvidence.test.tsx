// @vitest-environment jsdom
// Export evidence on the overview, a source page and a database page: the form opens with the last 90 days and
// the page's own selection, says "Preparing…" while the report is made, and puts the API's refusal in words. In a
// browser (serve) the HTML or JSON is downloaded as a file and PDF is not offered (the form says where to get
// one); in the desktop app the main process saves it, PDF included, and the form says where.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EvidenceExport, EvidenceSaveRequest, EvidenceSaved } from '../../../shared/api';
import { defaultPaper, evidenceRequest, initialEvidenceForm } from '../../../renderer/evidence/evidence-form';
import { DatabasePage } from '../../../renderer/pages/DatabasePage';
import { OverviewPage } from '../../../renderer/pages/OverviewPage';
import { SourcePage } from '../../../renderer/pages/SourcePage';
import { deferred, fakeBridge } from '../support/fake-bridge';
import { ORDERS_KEY } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const REPORT: EvidenceExport = {
  fileName: 'backup-health-evidence-2026-09-04-to-2026-12-03.json',
  mediaType: 'application/json',
  content: '{"evidence":{},"signature":"…"}',
  signingKey: 'SHA256:abc123',
};

/** What the browser was asked to download: the link's file name and the Blob behind it. */
let downloads: { fileName: string; blob: Blob }[];
beforeEach(() => {
  downloads = [];
  const blobs = new Map<string, Blob>();
  let n = 0;
  URL.createObjectURL = vi.fn((blob: Blob) => {
    const url = `blob:test/${++n}`;
    blobs.set(url, blob);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ fileName: this.download, blob: blobs.get(this.href)! });
  });
});
afterEach(() => vi.restoreAllMocks());

async function openForm() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Export evidence' }));
  return { user, form: screen.getByRole('form', { name: 'Export evidence' }) };
}

describe('Export evidence in a browser (serve)', () => {
  it('on a source page: the last 90 days of that source, downloaded as signed JSON; PDF not offered, and why', async () => {
    const made = deferred<EvidenceExport>();
    const bridge = fakeBridge({ exportEvidence: () => made.promise });
    renderWithBridge(<SourcePage id="nightly-dumps" />, bridge);
    const { user, form } = await openForm();
    expect(within(form).getByText(/for the source Nightly dumps/)).toBeTruthy();
    expect(within(form).getByRole('radio', { name: 'The last 90 days' })).toHaveProperty('checked', true);
    expect(within(form).getByRole('radio', { name: 'PDF' })).toHaveProperty('disabled', true);
    expect(within(form).getByTestId('evidence-pdf-hint').textContent).toBe(
      'A PDF is printed by the desktop app, or by backup-health report --format pdf; here, save the HTML and print it from the browser.',
    );

    await user.click(within(form).getByRole('radio', { name: /^JSON, signed/ }));
    await user.click(within(form).getByRole('button', { name: 'Download report' }));
    expect(within(form).getByRole('status').textContent).toBe('Preparing…');
    expect(within(form).getByRole('button', { name: 'Download report' })).toHaveProperty('disabled', true);
    expect(bridge.exportEvidence).toHaveBeenCalledWith({ since: '90d', format: 'json', sources: ['nightly-dumps'] });

    made.resolve(REPORT);
    await waitFor(() => expect(within(form).getByTestId('evidence-done').textContent).toBe(`Downloaded ${REPORT.fileName}, signed by key SHA256:abc123.`));
    expect(downloads.map((d) => d.fileName)).toEqual([REPORT.fileName]);
    expect(downloads[0]!.blob.type).toBe('application/json');
    expect(await downloads[0]!.blob.text()).toBe(REPORT.content);
  });

  it('between dates: both are needed before anything is asked; the API refusal is shown in its words', async () => {
    const bridge = fakeBridge({ exportEvidence: async () => Promise.reject(new Error('from must be before to (found 2026-12-01 and 2026-11-01)')) });
    renderWithBridge(<OverviewPage />, bridge);
    const { user, form } = await openForm();
    expect(within(form).getByText(/for every source and database/)).toBeTruthy();
    await user.click(within(form).getByRole('radio', { name: 'Between dates (UTC)' }));
    await user.click(within(form).getByRole('button', { name: 'Download report' }));
    expect(within(form).getByRole('alert').textContent).toBe('Choose both dates, From and To, or the last 90 days.');
    expect(bridge.exportEvidence).not.toHaveBeenCalled();

    await user.type(within(form).getByLabelText('From'), '2026-09-01');
    await user.type(within(form).getByLabelText('To'), '2026-11-30');
    await user.click(within(form).getByRole('button', { name: 'Download report' }));
    await waitFor(() => expect(within(form).getByRole('alert').textContent).toBe('from must be before to (found 2026-12-01 and 2026-11-01)'));
    expect(bridge.exportEvidence).toHaveBeenCalledWith({ from: '2026-09-01', to: '2026-11-30', format: 'html' });
    expect(downloads).toEqual([]);
  });
});

describe('Export evidence in the desktop app', () => {
  it('on a database page: a PDF of that database on the chosen paper, saved by the app where the user chose', async () => {
    const saved = deferred<EvidenceSaved>();
    const saveEvidence = vi.fn((_args: EvidenceSaveRequest) => saved.promise);
    const bridge = Object.assign(fakeBridge(), { saveEvidence });
    renderWithBridge(<DatabasePage databaseKey={ORDERS_KEY} />, bridge);
    const { user, form } = await openForm();
    expect(within(form).queryByTestId('evidence-pdf-hint')).toBeNull();
    await user.click(within(form).getByRole('radio', { name: 'PDF' }));
    await user.selectOptions(within(form).getByLabelText('Paper'), 'Letter');
    await user.click(within(form).getByRole('button', { name: 'Save report…' }));
    expect(within(form).getByRole('status').textContent).toBe('Preparing…');
    expect(saveEvidence).toHaveBeenCalledWith({ since: '90d', format: 'pdf', paper: 'Letter', databases: [ORDERS_KEY] });
    saved.resolve({ saved: true, path: '/home/me/Documents/orders-evidence.pdf' });
    await waitFor(() => expect(within(form).getByTestId('evidence-done').textContent).toBe('Saved to /home/me/Documents/orders-evidence.pdf.'));
    expect(bridge.exportEvidence).not.toHaveBeenCalled();
    expect(downloads).toEqual([]);
  });

  it('closing the save dialog saves nothing and says nothing; Close closes the form', async () => {
    const bridge = Object.assign(fakeBridge(), { saveEvidence: vi.fn(async () => ({ saved: false })) });
    renderWithBridge(<OverviewPage />, bridge);
    const { user, form } = await openForm();
    await user.click(within(form).getByRole('button', { name: 'Save report…' }));
    await waitFor(() => expect(within(form).getByRole('button', { name: 'Save report…' })).toHaveProperty('disabled', false));
    expect(bridge.saveEvidence).toHaveBeenCalledWith({ since: '90d', format: 'html' });
    expect(within(form).queryByRole('status')).toBeNull();
    expect(within(form).queryByRole('alert')).toBeNull();
    await user.click(within(form).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('form', { name: 'Export evidence' })).toBeNull();
  });
});

describe('the evidence form as data', () => {
  it('paper: Letter where it is usual, A4 elsewhere', () => {
    expect(['en-US', 'en-CA', 'es-MX', 'de-DE', 'en-GB', 'en', 'fr'].map(defaultPaper)).toEqual(['Letter', 'Letter', 'Letter', 'A4', 'A4', 'A4', 'A4']);
  });

  it('paper is sent only with a PDF', () => {
    const form = { ...initialEvidenceForm('en-US'), format: 'json' as const };
    expect(evidenceRequest(form, { sources: ['a'] })).toEqual({ request: { since: '90d', format: 'json', sources: ['a'] } });
    expect(evidenceRequest({ ...form, period: 'dates', from: '2026-12-01', to: '2026-11-01' }, {})).toEqual({ problem: 'From (2026-12-01) must not be after To (2026-11-01).' });
  });
});
