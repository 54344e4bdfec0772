// Real history files in a temp dir for the store tests, and polls that look like what probes record.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { History } from '../../../electron/engine/store/history';
import { storedBytesOf } from '../../../electron/engine/sources/index';
import type { ObservedBackup, Poll } from '../../../shared/model';

const dirs: string[] = [];
const open: History[] = [];

afterEach(() => {
  for (const history of open.splice(0)) {
    try {
      history.close();
    } catch {
      // already closed by the test
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-store-'));
  dirs.push(dir);
  return dir;
}

/** A History on a new file (closed after the test); `file` to reopen it. */
export function openHistory(file = join(tempDir(), 'history.sqlite')): { history: History; file: string } {
  const history = History.open(file);
  open.push(history);
  return { history, file };
}

export const T0 = Date.UTC(2025, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A successful poll; its stored size is what its metrics' kind measures, unless overridden. */
export function okPoll(sourceId: string, at: number, overrides: Partial<Poll> = {}): Poll {
  const poll: Poll = {
    sourceId,
    at,
    durationMs: 42,
    ok: true,
    error: null,
    metrics: { kind: 'dump-dir', fileCount: 3, totalBytes: 3_000_000, inProgress: 0 },
    newestBackupAt: at - HOUR,
    newestBackupSize: 1_000_000,
    storedBytes: null,
    status: 'ok',
    ...overrides,
  };
  return 'storedBytes' in overrides ? poll : { ...poll, storedBytes: storedBytesOf(poll.metrics) };
}

export function failedPoll(sourceId: string, at: number): Poll {
  return {
    sourceId,
    at,
    durationMs: 10_000,
    ok: false,
    error: { code: 'timeout', message: 'db1.example.net:5432 did not answer within 10s', host: 'db1.example.net' },
    metrics: null,
    newestBackupAt: null,
    newestBackupSize: null,
    storedBytes: null,
    status: 'unknown',
  };
}

export function dump(key: string, finishedAt: number, sizeBytes = 1_000_000): ObservedBackup {
  return { key, type: 'dump', finishedAt, sizeBytes, readable: true };
}
