// The IPC channel names, shared by electron/main/ipc.ts and the preload. Derived from shared/api.ts, so a
// method added to the contract gets its channel without anyone writing one by hand.
import type { ApiMethod, DesktopMethod } from '../../shared/api';

const PREFIX = 'backup-health';

/** One channel per API method (and desktop call): ipcMain.handle on one side, ipcRenderer.invoke on the other. */
export function channelOf(method: ApiMethod | DesktopMethod): string {
  return `${PREFIX}:${method}`;
}

/** The one channel ApiEvents are pushed to the window on. */
export const EVENT_CHANNEL = `${PREFIX}:event`;
