// An in-memory BackupHealthBridge with canned answers: it stands in for the engine (tested elsewhere) so
// these tests look at what the dashboard shows. `emit` pushes an event as the engine would.
import { vi, type Mock } from 'vitest';
import type { ApiEvent, BackupHealthApi, BackupHealthBridge } from '../../../shared/api';
import { alertChannelSettingsFixture, alertChannelsFixture, databaseDetailFixture, databasesFixture, overviewFixture, settingsFixture, sourceDetailFixture } from './fixtures';

type Mocked<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? Mock<(...args: A) => R> : T[K] };

export interface FakeBridge extends Mocked<BackupHealthApi> {
  subscribe: BackupHealthBridge['subscribe'];
  emit(event: ApiEvent): void;
  listenerCount(): number;
}

export function fakeBridge(answers: Partial<BackupHealthApi> = {}): FakeBridge {
  const listeners = new Set<(event: ApiEvent) => void>();
  const api: BackupHealthApi = {
    overview: async () => overviewFixture(),
    databases: async () => databasesFixture(),
    database: async ({ key, range }) => databaseDetailFixture(key, range),
    databaseObjectives: async () => ({ configFile: '/home/me/.config/backup-health/config.yml', objectives: [], servers: [] }),
    saveDatabaseObjective: async () => ({ ok: true, problems: [] }),
    deleteDatabaseObjective: async () => ({ ok: true, problems: [] }),
    source: async ({ id, range }) => sourceDetailFixture(id, range),
    pollNow: async () => [],
    runDrill: async () => {
      throw new Error('runDrill: not expected in this test');
    },
    settings: async () => settingsFixture(),
    validateSource: async () => ({ ok: true, problems: [] }),
    testSource: async () => ({ ok: true, problems: [] }),
    saveSource: async () => ({ ok: true, problems: [] }),
    removeSource: async () => ({ ok: true, problems: [] }),
    alertChannels: async () => alertChannelsFixture(),
    testAlertChannel: async () => {
      throw new Error('testAlertChannel: not expected in this test');
    },
    alertChannelSettings: async () => alertChannelSettingsFixture(),
    saveAlertChannel: async () => ({ ok: true, problems: [] }),
    deleteAlertChannel: async () => ({ ok: true, problems: [] }),
    exportEvidence: async () => {
      throw new Error('exportEvidence: not expected in this test');
    },
    ...answers,
  };
  const mocked = Object.fromEntries(Object.entries(api).map(([name, fn]) => [name, vi.fn(fn)])) as unknown as Mocked<BackupHealthApi>;
  return {
    ...mocked,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of [...listeners]) listener(event);
    },
    listenerCount: () => listeners.size,
  };
}

/** A promise the test settles when it chooses, for calls that take time (a drill, a poll). */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
