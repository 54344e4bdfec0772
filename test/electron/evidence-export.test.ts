// Export evidence in the desktop app, on the fake Electron: the report comes from the API, a save dialog asks
// where (in the documents folder, the report's own name, parented to the window), the main process writes the
// file and the renderer learns only the path chosen; a closed dialog writes nothing; a PDF is printed from the
// same HTML in a hidden window with JavaScript off, in a session of its own that loads nothing but the page, and
// its temporary page is removed. Over IPC the call has the API's sender check.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EvidenceExport, EvidenceRequest } from '../../shared/api';
import { channelOf } from '../../electron/preload/channels';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { electron, FakeBrowserWindow, FakePartition, FakeWebContents, ipcHandlers } = await import('./fake-electron');
const { evidenceSaver, isPrintedPage } = await import('../../electron/main/evidence-export');
const { registerIpc } = await import('../../electron/main/ipc');
const { trustedRenderer } = await import('../../electron/main/trusted-renderer');

const root = mkdtempSync(join(tmpdir(), 'backup-health-evidence-export-'));
const documents = join(root, 'Documents');
const HTML = '<!doctype html><html><head><title>Restore evidence</title></head><body><h1>Restore evidence</h1></body></html>';

function report(request: EvidenceRequest): EvidenceExport {
  return request.format === 'json'
    ? { fileName: 'backup-health-evidence-2026-09-05-to-2026-12-04.json', mediaType: 'application/json', content: '{"evidence":{"sources":[]},"signature":"x"}', signingKey: 'SHA256:k' }
    : { fileName: 'backup-health-evidence-2026-09-05-to-2026-12-04.html', mediaType: 'text/html', content: HTML, signingKey: 'SHA256:k' };
}

const api = { exportEvidence: vi.fn(async (request: EvidenceRequest) => report(request)) };
const mainWindow = new FakeBrowserWindow({});
const saver = evidenceSaver({ api, window: () => mainWindow as never, documentsDir: () => documents });

beforeEach(() => {
  api.exportEvidence.mockClear();
  electron.dialog.showSaveDialog.mockReset();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('saveEvidence', () => {
  it('saves the signed JSON where the user chose, after asking with the report its own name in Documents', async () => {
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(root, 'orders.json') });
    const answer = await saver.saveEvidence({ since: '90d', format: 'json', sources: ['orders-dumps'] });
    expect(answer).toEqual({ saved: true, path: join(root, 'orders.json') });
    expect(api.exportEvidence).toHaveBeenCalledWith({ since: '90d', format: 'json', sources: ['orders-dumps'] });
    const [parent, options] = electron.dialog.showSaveDialog.mock.calls[0]!;
    expect(parent).toBe(mainWindow);
    expect(options).toMatchObject({ defaultPath: join(documents, 'backup-health-evidence-2026-09-05-to-2026-12-04.json'), filters: [{ extensions: ['json'] }] });
    expect(readFileSync(join(root, 'orders.json'), 'utf8')).toBe('{"evidence":{"sources":[]},"signature":"x"}');
  });

  it('writes nothing when the dialog is closed; a bad period is said before any dialog opens', async () => {
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true });
    expect(await saver.saveEvidence({ format: 'html' })).toEqual({ saved: false });
    api.exportEvidence.mockRejectedValueOnce(Object.assign(new Error('from must be before to (found 2026-12-01 and 2026-11-01)'), { code: 'bad-report-request' }));
    await expect(saver.saveEvidence({ from: '2026-12-01', to: '2026-11-01', format: 'pdf' })).rejects.toThrow('from must be before to');
    expect(electron.dialog.showSaveDialog).toHaveBeenCalledTimes(1);
    await expect(saver.saveEvidence({ format: 'exe' as never })).rejects.toMatchObject({ code: 'bad-report-request', message: 'format must be html, json or pdf' });
    await expect(saver.saveEvidence({ format: 'pdf', paper: 'A3' as never })).rejects.toMatchObject({ message: 'paper must be A4 or Letter' });
  });

  it('a write that fails says which file and why', async () => {
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(root, 'no-such-dir', 'r.html') });
    await expect(saver.saveEvidence({ format: 'html' })).rejects.toMatchObject({ code: 'save-failed', message: expect.stringMatching(/^could not write .*no-such-dir\/r\.html: ENOENT/) });
  });

  it('a PDF: the same HTML printed on the chosen paper in a hidden, script-less window that loads only that page', async () => {
    const printedHtml: string[] = [];
    const print = vi.spyOn(FakeWebContents.prototype, 'printToPDF').mockImplementation(async function (this: InstanceType<typeof FakeWebContents>, options) {
      printedHtml.push(readFileSync(fileURLToPath(this.mainFrame.url), 'utf8'));
      this.printed.push(options);
      return Buffer.from('%PDF-1.7 the report');
    });
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(root, 'orders.pdf') });
    const windowsBefore = FakeBrowserWindow.instances.length;
    const answer = await saver.saveEvidence({ since: '30d', format: 'pdf', paper: 'Letter', databases: ['shop-db/orders'] });

    expect(answer).toEqual({ saved: true, path: join(root, 'orders.pdf') });
    expect(api.exportEvidence).toHaveBeenCalledWith({ since: '30d', format: 'html', databases: ['shop-db/orders'] });
    expect(electron.dialog.showSaveDialog.mock.calls[0]![1]).toMatchObject({ defaultPath: join(documents, 'backup-health-evidence-2026-09-05-to-2026-12-04.pdf'), filters: [{ extensions: ['pdf'] }] });
    expect(readFileSync(join(root, 'orders.pdf'), 'utf8')).toBe('%PDF-1.7 the report');

    const printer = FakeBrowserWindow.instances[windowsBefore]!;
    expect(FakeBrowserWindow.instances).toHaveLength(windowsBefore + 1);
    expect(printedHtml).toEqual([HTML]);
    expect(printer.webContents.printed).toEqual([{ pageSize: 'Letter', printBackground: true }]);
    const prefs = printer.options.webPreferences;
    expect(printer.options.show).toBe(false);
    expect(prefs).toMatchObject({ javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.preload).toBeUndefined();
    // Its own session: the page itself loads; nothing else does, and no permission is granted.
    const partition = prefs.session as InstanceType<typeof FakePartition>;
    expect(partition).toBeInstanceOf(FakePartition);
    expect(partition).not.toBe(electron.session.defaultSession);
    expect(partition.allows(printer.loaded.url!)).toBe(true);
    for (const url of ['https://tracker.example/pixel.png', 'file:///etc/passwd', `${printer.loaded.url!}/../other.html`]) expect(partition.allows(url)).toBe(false);
    // The page however Chromium spells its URL: each letter percent-encoded, a query, a fragment, a trailing slash, localhost.
    const pagePath = fileURLToPath(printer.loaded.url!);
    const encoded = 'file://' + [...pagePath].map((c) => (c === '/' ? c : `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('');
    for (const url of [encoded, `${printer.loaded.url!}?print=1`, `${printer.loaded.url!}#top`, `${printer.loaded.url!}/`, printer.loaded.url!.replace('file://', 'file://localhost')]) {
      expect(partition.allows(url), url).toBe(true);
    }
    for (const url of ['data:text/html,<h1>x</h1>', 'about:blank', `${printer.loaded.url!}.png`, printer.loaded.url!.replace('file://', 'file://evil.example')]) expect(partition.allows(url), url).toBe(false);
    let granted: boolean | undefined;
    partition.permissionRequestHandler!(null, 'media', (allowed: boolean) => (granted = allowed));
    expect(granted).toBe(false);
    expect(partition.permissionCheckHandler!()).toBe(false);
    // Afterwards: the window gone, the temporary page too.
    expect(printer.destroyed).toBe(true);
    expect(existsSync(dirname(fileURLToPath(printer.loaded.url!)))).toBe(false);
    print.mockRestore();
  });

  it('a PDF that cannot be printed says so and suggests the HTML; nothing is written', async () => {
    const print = vi.spyOn(FakeWebContents.prototype, 'printToPDF').mockRejectedValueOnce(new Error('Failed to generate PDF'));
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(root, 'failed.pdf') });
    await expect(saver.saveEvidence({ format: 'pdf' })).rejects.toMatchObject({
      code: 'print-failed',
      message: 'the PDF could not be printed (Failed to generate PDF); save the HTML and print it from a browser',
    });
    expect(existsSync(join(root, 'failed.pdf'))).toBe(false);
    expect(FakeBrowserWindow.instances.at(-1)!.destroyed).toBe(true);
    print.mockRestore();
  });
});

describe('isPrintedPage: the print window loads its page, however the URL is spelt, and nothing else', () => {
  const page = '/tmp/backup-health-print-Ab1/report.html';
  it('on Linux: the same path, percent-encoded or not, with a query, a fragment or a trailing slash', () => {
    for (const url of [
      'file:///tmp/backup-health-print-Ab1/report.html',
      'file:///tmp/backup-health-print-Ab1/report%2Ehtml',
      'file:///tmp/%62ackup-health-print-Ab1/report.html',
      'file:///tmp/backup-health-print-Ab1/report.html?x=1#top',
      'file:///tmp/backup-health-print-Ab1/report.html/',
      'file:///tmp//backup-health-print-Ab1/./report.html',
      'file://localhost/tmp/backup-health-print-Ab1/report.html',
    ]) {
      expect(isPrintedPage(url, page, 'linux'), url).toBe(true);
    }
  });

  it('on Linux: another file, another case, a climb out, an encoded slash, a host, and every other scheme are refused', () => {
    for (const url of [
      'file:///tmp/backup-health-print-Ab1/REPORT.html',
      'file:///tmp/backup-health-print-Ab1/other.html',
      'file:///tmp/backup-health-print-Ab1/report.html/../../../etc/passwd',
      'file:///tmp/backup-health-print-Ab1%2Freport.html',
      'file://evil.example/tmp/backup-health-print-Ab1/report.html',
      'https://tracker.example/tmp/backup-health-print-Ab1/report.html',
      'http://127.0.0.1/report.html',
      'data:text/html,<h1>report</h1>',
      'about:blank',
      'blob:null/1234',
      'not a url',
    ]) {
      expect(isPrintedPage(url, page, 'linux'), url).toBe(false);
    }
  });

  it('on Windows and macOS: letters compare in any case; on Windows a drive letter and backslashes too', () => {
    const windowsPage = 'C:\\Users\\Ann\\AppData\\Local\\Temp\\backup-health-print-Ab1\\report.html';
    for (const url of ['file:///C:/Users/Ann/AppData/Local/Temp/backup-health-print-Ab1/report.html', 'file:///c:/users/ann/appdata/local/temp/backup-health-print-ab1/REPORT.html', 'file:///C:/Users/Ann/AppData/Local/Temp/backup-health-print-Ab1/report%2Ehtml?x']) {
      expect(isPrintedPage(url, windowsPage, 'win32'), url).toBe(true);
    }
    for (const url of ['file:///D:/Users/Ann/AppData/Local/Temp/backup-health-print-Ab1/report.html', 'file://nas/share/report.html', 'file:///C:/Users/Ann/AppData/Local/Temp/backup-health-print-Ab1/other.html']) {
      expect(isPrintedPage(url, windowsPage, 'win32'), url).toBe(false);
    }
    expect(isPrintedPage('file:///private/var/folders/T/backup-health-print-ab1/Report.html', '/private/var/folders/T/backup-health-print-Ab1/report.html', 'darwin')).toBe(true);
    expect(isPrintedPage('file:///private/var/folders/T/backup-health-print-Ab1/other.html', '/private/var/folders/T/backup-health-print-Ab1/report.html', 'darwin')).toBe(false);
  });
});

describe('saveEvidence over IPC', () => {
  it('is registered with the desktop calls, answers our renderer, and refuses any other sender', async () => {
    const rendererIndex = join(root, 'app', 'out', 'renderer', 'index.html');
    const trusted = trustedRenderer(rendererIndex, undefined);
    const window = new FakeBrowserWindow({});
    await window.loadFile(rendererIndex);
    const stop = registerIpc({ api: { ...api, subscribe: () => () => {} } as never, window: () => window as never, trusted, desktop: saver });
    const handler = ipcHandlers.get(channelOf('saveEvidence'))!;
    electron.dialog.showSaveDialog.mockResolvedValue({ canceled: true });
    const ours = { sender: window.webContents, senderFrame: { url: trusted.fileUrl, parent: null } };
    expect(await handler(ours, { format: 'html' })).toEqual({ ok: true, value: { saved: false } });
    expect(await handler({ ...ours, senderFrame: { url: 'https://evil.example/', parent: null } }, { format: 'html' })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'this page may not call Backup Health' },
    });
    expect(await handler(ours, { format: 'exe' })).toEqual({ ok: false, error: { code: 'bad-report-request', message: 'format must be html, json or pdf' } });
    stop();
    expect(ipcHandlers.has(channelOf('saveEvidence'))).toBe(false);
  });
});
