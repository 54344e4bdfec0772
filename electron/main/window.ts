// The dashboard window: sandboxed, isolated, no Node; it hides instead of closing, because the app lives on in
// the tray. Only Quit (tray menu, or the OS quitting the app) ends it.
import { BrowserWindow } from 'electron';
import { databaseRoute } from '../../shared/databases';

export interface MainWindowOptions {
  /** out/preload/index.cjs */
  preload: string;
  /** ELECTRON_RENDERER_URL in development, else the built out/renderer/index.html. */
  page: { url: string } | { file: string };
  /** Started at login: stay in the tray until asked for. */
  startHidden: boolean;
  /** True once the app is quitting, so a close really closes. */
  isQuitting: () => boolean;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Backup Health',
    show: false,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A middle click opens a new window even where a left click would not; new windows are denied anyway.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  keepInTray(window, options.isQuitting);
  window.once('ready-to-show', () => {
    if (!options.startHidden) window.show();
  });
  if ('url' in options.page) void window.loadURL(options.page.url);
  else void window.loadFile(options.page.file);
  return window;
}

/** Closing the window hides it; the app keeps polling in the tray. */
export function keepInTray(window: BrowserWindow, isQuitting: () => boolean): void {
  window.on('close', (event) => {
    if (isQuitting()) return;
    event.preventDefault();
    window.hide();
  });
}

/** Brings the window to the front (tray click, a second instance, a notification). */
export function showWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Shows one source's page: the renderer routes on the hash (#/source/<id>). */
/** Shows a database's page (a tray line, a notification). */
export function openDatabase(window: BrowserWindow, key: string): void {
  void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(databaseRoute(key))}`);
  showWindow(window);
}

export function openSource(window: BrowserWindow, id: string): void {
  void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#/source/${encodeURIComponent(id)}`)}`);
  showWindow(window);
}
