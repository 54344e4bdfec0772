// The probe-error rule: the latest poll failed (or there is none). Stale data is not judged, so evaluate()
// reports only this (and restore-drill evidence) until a poll succeeds.
import type { SourceConfig } from '../../../shared/config';
import type { ProbeErrorCode } from '../../../shared/model';
import { redact } from '../errors';
import { sourceLocation, sourceName } from './kind-words';
import type { Rule } from './types';

const PROBE_ERROR_HINTS: Partial<Record<ProbeErrorCode, string>> = {
  timeout: 'check the network and firewall, or raise timeout',
  'not-found': 'check that it still exists',
  'permission-denied': 'give the user backup-health runs as read access',
  dns: 'check the host name',
  config: 'fix the source in the config file',
};

/**
 * What to check after a failure, for this source's kind. A refused connection and ~/.pgpass are PostgreSQL's
 * alone: a refused ssh login, a restic or borg repository's password, are named with their fix in the probe's
 * own message.
 */
function probeErrorHint(code: ProbeErrorCode, source: SourceConfig): string | undefined {
  if (code === 'refused') return source.kind === 'postgres' ? 'check that PostgreSQL is running and listening there' : undefined;
  if (code === 'auth-failed') return source.kind === 'postgres' ? 'check the user and passwordEnv, passwordFile or ~/.pgpass' : undefined;
  return PROBE_ERROR_HINTS[code];
}

export const probeError: Rule = (input) => {
  const { latest, source, defaults } = input;
  if (latest === null) {
    return [{ rule: 'probe-error', status: 'unknown', message: `${sourceName(input)} has not been polled yet`, observed: null, limit: null }];
  }
  if (!latest.ok) {
    const failures = Math.max(1, input.consecutiveFailures);
    const critical = failures >= defaults.failuresBeforeCritical;
    const where = latest.error?.host ? redact(latest.error.host) : sourceLocation(input);
    const reason = latest.error ? redact(latest.error.message) : 'the probe failed without saying why';
    const hint = latest.error ? probeErrorHint(latest.error.code, source) : undefined;
    return [
      {
        rule: 'probe-error',
        status: critical ? 'critical' : 'unknown',
        message: `could not observe ${where}${critical ? ` for the last ${failures} polls` : ''}: ${reason}${hint ? `; ${hint}` : ''}`,
        observed: failures,
        limit: defaults.failuresBeforeCritical,
      },
    ];
  }
  if (source.kind === 'postgres' && latest.metrics?.kind !== 'postgres') {
    // A poll that "succeeded" without metrics would otherwise read as ok: unknown is never ok.
    return [{ rule: 'probe-error', status: 'unknown', message: `the latest poll of ${sourceLocation(input)} returned no server metrics`, observed: null, limit: null }];
  }
  return [];
};
