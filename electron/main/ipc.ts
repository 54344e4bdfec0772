// The API of shared/api.ts on ipcMain: one handler per method, each checking that the call comes from our
// renderer's top frame in the main window, each answering with an ApiResponse (errors as values, no stacks).
// ApiService events go to the window on one channel.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { API_METHODS, DESKTOP_METHODS, type ApiErrorValue, type ApiEvent, type ApiResponse, type BackupHealthApi, type DesktopApi } from '../../shared/api';
import { apiErrorValue } from '../engine/api-service';
import { EVENT_CHANNEL, channelOf } from '../preload/channels';
import { isRendererUrl, type TrustedRenderer } from './trusted-renderer';

export interface IpcOptions {
  api: BackupHealthApi & { subscribe(listener: (event: ApiEvent) => void): () => void };
  /** The main window, once it exists. */
  window: () => BrowserWindow | null;
  trusted: TrustedRenderer;
  /** The calls only the desktop app answers (a save dialog); registered with the same sender check. */
  desktop?: DesktopApi;
}

type Handler = (args: unknown) => Promise<unknown>;

const FORBIDDEN: ApiResponse<never> = { ok: false, error: { code: 'forbidden', message: 'this page may not call Backup Health' } };

/** Registers every API method and forwards events; returns a function that undoes both. */
export function registerIpc({ api, window, trusted, desktop }: IpcOptions): () => void {
  const handlers = new Map<string, Handler>();
  for (const method of API_METHODS) handlers.set(channelOf(method), (args) => (api[method] as Handler).call(api, args));
  for (const method of desktop ? DESKTOP_METHODS : []) handlers.set(channelOf(method), (args) => (desktop![method] as Handler).call(desktop, args));
  for (const [channel, handler] of handlers) {
    ipcMain.handle(channel, async (event, args: unknown): Promise<ApiResponse<unknown>> => {
      if (!isTrustedSender(event, window(), trusted)) return FORBIDDEN;
      return call(handler, args);
    });
  }
  const unsubscribe = api.subscribe((event) => {
    const target = window();
    if (target && !target.isDestroyed()) target.webContents.send(EVENT_CHANNEL, event);
  });
  return () => {
    for (const channel of handlers.keys()) ipcMain.removeHandler(channel);
    unsubscribe();
  };
}

/** The main window's top frame, showing our renderer: not an iframe, not a page it was navigated to. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, window: BrowserWindow | null, trusted: TrustedRenderer): boolean {
  if (!window || window.isDestroyed() || event.sender !== window.webContents) return false;
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isRendererUrl(frame.url, trusted);
}

async function call(handler: Handler, args: unknown): Promise<ApiResponse<unknown>> {
  try {
    return { ok: true, value: await handler(args) };
  } catch (err) {
    return { ok: false, error: apiErrorValue(err) };
  }
}

/** What the renderer is told of a failure: a code and a message, never a stack. */
export { apiErrorValue };
