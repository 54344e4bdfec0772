// SourceSummary values for the tray and notifier tests, as the engine makes them.
import type { SourceSummary, Status } from '../../shared/model';

export const NOW = Date.parse('2026-11-25T12:00:00Z');
export const HOUR = 3_600_000;

export function summary(id: string, status: Status, fields: Partial<SourceSummary> = {}): SourceSummary {
  return {
    id,
    name: id,
    kind: 'dump-dir',
    status,
    findings: [],
    lastPollAt: NOW - 60_000,
    newestBackup: { key: `/backups/${id}/latest.dump`, finishedAt: NOW - 5 * HOUR, sizeBytes: 1_000_000, readable: true },
    lastRestore: null,
    ...fields,
  };
}
