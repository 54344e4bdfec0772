// Exposes window.backupHealth: the API and desktop calls of shared/api.ts over IPC, plus an event subscription, and nothing
// else (never ipcRenderer itself). Built into one sandbox-compatible CommonJS file: at run time it may only
// require 'electron'; shared/api.ts and channels.ts are bundled in.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, DESKTOP_METHODS, type ApiEvent, type ApiMethod, type ApiResponse, type BackupHealthBridge, type DesktopMethod } from '../../shared/api';
import { EVENT_CHANNEL, channelOf } from './channels';

/**
 * An {ok:false} answer as a thrown Error. Across contextBridge only an Error's message survives (custom
 * properties such as `code` are dropped; electron/electron#25596), so the message is written to be shown as
 * it is; `code` is there for callers in this context.
 */
function unwrap<T>(response: ApiResponse<T>): T {
  if (response.ok) return response.value;
  throw Object.assign(new Error(response.error.message), { code: response.error.code });
}

function invoker(method: ApiMethod | DesktopMethod) {
  return async (args?: unknown) => unwrap((await ipcRenderer.invoke(channelOf(method), args)) as ApiResponse<unknown>);
}

const api = Object.fromEntries([...API_METHODS, ...DESKTOP_METHODS].map((method) => [method, invoker(method)])) as unknown as Omit<BackupHealthBridge, 'subscribe'>;

const bridge: BackupHealthBridge = {
  ...api,
  subscribe(listener: (event: ApiEvent) => void): () => void {
    // The renderer gets the event only, never the IpcRendererEvent (it carries the sender).
    const forward = (_event: IpcRendererEvent, payload: ApiEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('backupHealth', bridge);
