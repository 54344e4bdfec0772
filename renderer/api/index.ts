// Which wire the dashboard talks over: the desktop app's preload puts a bridge on window.backupHealth;
// in a browser (`backup-health serve`) there is none, and the same API goes over HTTP + SSE.
import type { BackupHealthBridge } from '../../shared/api';
import { createHttpBridge } from './http';

let bridge: BackupHealthBridge | null = null;

export function getBridge(): BackupHealthBridge {
  bridge ??= desktopBridge() ?? createHttpBridge();
  return bridge;
}

function desktopBridge(): BackupHealthBridge | null {
  const candidate = (globalThis as { backupHealth?: unknown }).backupHealth;
  return isBridge(candidate) ? candidate : null;
}

/** A preload from an older build may expose something else under the name; only a whole bridge counts. */
function isBridge(value: unknown): value is BackupHealthBridge {
  if (typeof value !== 'object' || value === null) return false;
  const methods = value as Record<string, unknown>;
  return typeof methods.overview === 'function' && typeof methods.subscribe === 'function';
}
