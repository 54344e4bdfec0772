// "Export evidence" in the desktop app (issue 17): the report from the API, saved where the user chooses in a save
// dialog, written by the main process; a PDF is Electron's print of the same HTML, in a hidden window that runs no
// script and loads nothing but that page. The renderer only ever learns the path the user chose.
import { BrowserWindow, dialog, session, type SaveDialogOptions } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BackupHealthApi, DesktopApi, EvidenceSaveRequest } from '../../shared/api';
import { ApiError } from '../engine/api-service';

export type Paper = 'A4' | 'Letter';

export interface EvidenceSaverOptions {
  api: Pick<BackupHealthApi, 'exportEvidence'>;
  /** The main window, the save dialog's parent. */
  window: () => BrowserWindow | null;
  /** Where the dialog opens (the user's documents folder). */
  documentsDir: () => string;
  /** Prints HTML to PDF bytes; printHtmlToPdf unless a test says otherwise. */
  print?: (html: string, paper: Paper) => Promise<Buffer>;
}

/** The saved report's name: the API names the HTML or JSON; the PDF is printed from the HTML. */
export function savedFileName(apiFileName: string, format: EvidenceSaveRequest['format']): string {
  return format === 'pdf' ? apiFileName.replace(/\.html$/, '.pdf') : apiFileName;
}

const FILTERS: Record<EvidenceSaveRequest['format'], SaveDialogOptions['filters']> = {
  html: [{ name: 'Web page (HTML)', extensions: ['html'] }],
  json: [{ name: 'Signed evidence (JSON)', extensions: ['json'] }],
  pdf: [{ name: 'PDF', extensions: ['pdf'] }],
};

export function saveDialogOptions(fileName: string, format: EvidenceSaveRequest['format'], documentsDir: string): SaveDialogOptions {
  return { title: 'Save the evidence report', defaultPath: join(documentsDir, fileName), filters: FILTERS[format], properties: ['createDirectory', 'showOverwriteConfirmation'] };
}

/** The request from the wire: format and paper checked here; the period and selection by exportEvidence. */
export function checkSaveRequest(args: unknown): { request: EvidenceSaveRequest; paper: Paper } {
  if (typeof args !== 'object' || args === null) throw new ApiError('bad-report-request', 'the request must be a mapping of fields');
  const request = args as EvidenceSaveRequest;
  if (request.format !== 'html' && request.format !== 'json' && request.format !== 'pdf') throw new ApiError('bad-report-request', 'format must be html, json or pdf');
  if (request.paper !== undefined && request.paper !== 'A4' && request.paper !== 'Letter') throw new ApiError('bad-report-request', 'paper must be A4 or Letter');
  return { request, paper: request.paper ?? 'A4' };
}

export function evidenceSaver({ api, window, documentsDir, print = printHtmlToPdf }: EvidenceSaverOptions): DesktopApi {
  return {
    async saveEvidence(args) {
      const { request, paper } = checkSaveRequest(args);
      const { paper: _paper, format, ...period } = request;
      // First the report, so a bad period is said before the dialog opens.
      const report = await api.exportEvidence({ ...period, format: format === 'pdf' ? 'html' : format });
      const options = saveDialogOptions(savedFileName(report.fileName, format), format, documentsDir());
      const parent = window();
      const choice = parent && !parent.isDestroyed() ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      if (choice.canceled || !choice.filePath) return { saved: false };
      const bytes = format === 'pdf' ? await print(report.content, paper) : Buffer.from(report.content, 'utf8');
      try {
        await writeFile(choice.filePath, bytes);
      } catch (err) {
        throw new ApiError('save-failed', `could not write ${choice.filePath}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return { saved: true, path: choice.filePath };
    },
  };
}

let printSessions = 0;

/**
 * Whether a request the print window makes is for the page itself, and so may load: compared as paths, since
 * Chromium may spell the page's file URL otherwise than pathToFileURL did (percent-encoding, a trailing slash,
 * `file://localhost/`, a query or fragment, a drive letter's case). Paths compare case-insensitively where the
 * file system usually is (Windows, macOS). Anything else — http(s), data:, about:, another file — is refused:
 * the report is self-contained (inline CSS and SVG), so the page needs nothing more.
 */
export function isPrintedPage(requestUrl: string, pagePath: string, platform: NodeJS.Platform = process.platform): boolean {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'file:') return false;
  const windows = platform === 'win32';
  let requested: string;
  try {
    requested = fileURLToPath(url, { windows });
  } catch {
    return false; // an encoded slash, a remote host, a path that is not absolute on this platform
  }
  const path = windows ? win32 : posix;
  const [a, b] = [path.resolve(requested), path.resolve(pagePath)];
  return windows || platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * The report's HTML printed by Chromium: a hidden, sandboxed window with JavaScript off, in a session of its own
 * (in memory) that refuses every request but the page itself and grants no permission. The page is a temporary
 * file: a data: URL is limited to 2 MB, and a year of drills is more.
 */
export async function printHtmlToPdf(html: string, paper: Paper): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'backup-health-print-'));
  const page = join(dir, 'report.html');
  const pageUrl = pathToFileURL(page).href;
  const printSession = session.fromPartition(`backup-health-print-${++printSessions}`);
  printSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isPrintedPage(details.url, page) }));
  printSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  printSession.setPermissionCheckHandler(() => false);
  const printer = new BrowserWindow({
    show: false,
    webPreferences: {
      session: printSession,
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  try {
    await writeFile(page, html, { mode: 0o600 });
    await printer.loadURL(pageUrl);
    return await printer.webContents.printToPDF({ pageSize: paper, printBackground: true });
  } catch (err) {
    throw new ApiError('print-failed', `the PDF could not be printed (${err instanceof Error ? err.message : String(err)}); save the HTML and print it from a browser`);
  } finally {
    printer.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
