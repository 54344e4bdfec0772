// The health of a source after one successful poll that observed `observation`, judged at `at`, with the default
// settings: what a probe's test asserts its findings on, for every kind.
import { validateConfig, type SourceConfig } from '../../shared/config';
import type { Finding, ObservedBackup } from '../../shared/model';
import { evaluate } from '../../electron/engine/sources/evaluate';
import type { Observation } from '../../electron/engine/sources/probe';

export function judgeObservation(source: SourceConfig, observation: Observation, at = Date.now()): { status: string; findings: Finding[] } {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config');
  const backups: ObservedBackup[] = [...observation.backups].sort((a, b) => b.finishedAt - a.finishedAt);
  return evaluate({
    source,
    defaults: parsed.config.defaults,
    now: at,
    latest: { sourceId: source.id, at, durationMs: 10, ok: true, error: null, metrics: observation.metrics, newestBackupAt: backups[0]?.finishedAt ?? null, newestBackupSize: backups[0]?.sizeBytes ?? null, storedBytes: null, status: 'ok' },
    consecutiveFailures: 0,
    backups,
    history: backups.map((b) => ({ ...b, sourceId: source.id, firstSeenAt: b.finishedAt })),
  });
}
