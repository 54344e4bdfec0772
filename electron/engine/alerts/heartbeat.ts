// The monitor's dead man's switch: after each poll round the engine calls afterRound(), which pings a
// Healthchecks-compatible URL (a POST with the one-line summary as body; `<url>/fail` when anything is
// critical), so someone outside notices when the machine running Backup Health stops. Pings come from rounds
// only: a process that no longer polls must not say it is alive (heartbeat-check.ts warns when `every` is
// shorter than the shortest poll interval). Only the process holding the alert lease (store/alert-lease.ts)
// should call it.
//
// Throttled: at most one ping per every/2 unless success turns to fail or back, so rounds every 10 s do not
// hammer the service; a ping that failed is tried again at the first round 30 s later (or every/2, if sooner).
// Each ping is recorded in the delivery log under HEARTBEAT_CHANNEL_ID. The URL is the secret (its key is the
// capability to report for this check): only its host reaches a record, an error or a log. It may come from
// the environment (`urlEnv`), read at each ping so a variable set for a restarted service is picked up.
import { randomUUID } from 'node:crypto';
import type { HeartbeatConfig } from '../../../shared/alerts-config';
import { DURATION_RANGES } from '../../../shared/units';
import { urlHost } from './channel-failure';
import { failUrl, heartbeatSummary, type HeartbeatRound, type PingKind } from './heartbeat-summary';
import { urlSecrets } from './redact';
import { RETRY_DELAYS } from './retry';
import { postHttp } from './senders/http-post';
import type { DeliveryLog, DeliveryResult } from './types';

/** The delivery log's channel id for pings: not a valid channel id (shared/alerts-config.ts), so never a channel's. */
export const HEARTBEAT_CHANNEL_ID = '(heartbeat)';

/** A channel's default time per attempt, within DURATION_RANGES.alertTimeout. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;

/** After a failed ping, the next round may try again this much later (the alerts' first retry delay). */
const RETRY_AFTER_FAILURE_MS = RETRY_DELAYS[1] ?? 30_000;

export interface HeartbeatOptions {
  log: DeliveryLog;
  /** The clock throttling is measured on (tests move one by hand). */
  now?: () => number;
  /** Per ping; kept within DURATION_RANGES.alertTimeout (default 10 s). */
  timeoutMs?: number;
  /** Where urlEnv is read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface HeartbeatPing {
  kind: PingKind;
  at: number;
  /** The ping URL's host: all of it that may be shown. */
  target: string;
  /** The body sent. */
  line: string;
  result: DeliveryResult;
}

export class Heartbeat {
  private config: HeartbeatConfig | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private last: { at: number; kind: PingKind; ok: boolean } | undefined;
  private inFlight = false;

  constructor(
    config: HeartbeatConfig | undefined,
    private readonly options: HeartbeatOptions,
  ) {
    this.config = config;
    this.now = options.now ?? Date.now;
    const { min, max } = DURATION_RANGES.alertTimeout;
    this.timeoutMs = Math.min(max, Math.max(min, options.timeoutMs ?? HEARTBEAT_TIMEOUT_MS));
  }

  /** A new config; a new URL or period pings at the next round. */
  configure(config: HeartbeatConfig | undefined): void {
    if (config?.url !== this.config?.url || config?.urlEnv !== this.config?.urlEnv || config?.every !== this.config?.every) this.last = undefined;
    this.config = config;
  }

  /** Where pings go, safe to show (the host), or undefined when no heartbeat is configured. */
  get target(): string | undefined {
    return this.config ? heartbeatTarget(this.config, this.env) : undefined;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /**
   * After a poll round: pings when one is due, records it, and resolves with what was sent; null when no
   * heartbeat is configured, a ping is still under way, or the last one is recent enough. Never rejects, and
   * takes at most the timeout (10 s): the engine need not wait for it.
   */
  async afterRound(round: HeartbeatRound, signal?: AbortSignal): Promise<HeartbeatPing | null> {
    const config = this.config;
    if (!config || this.inFlight) return null;
    const summary = heartbeatSummary(round);
    const at = this.now();
    if (!this.due(summary.kind, at, config.every)) return null;
    this.inFlight = true;
    try {
      const target = this.target!;
      const pingUrl = config.url ?? this.env[config.urlEnv!];
      const result: DeliveryResult = pingUrl
        ? await postHttp(summary.kind === 'fail' ? failUrl(pingUrl) : pingUrl, {
            headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'backup-health' },
            body: summary.line,
            timeoutMs: this.timeoutMs,
            signal,
            secrets: pingSecrets(pingUrl),
          })
        : { ok: false, error: `the heartbeat URL: the environment variable ${config.urlEnv} is not set for Backup Health`, retryable: true, durationMs: 0 };
      // A new config meanwhile starts afresh; this ping is still recorded.
      if (this.config === config) this.last = { at, kind: summary.kind, ok: result.ok };
      this.record(at, target, summary, result);
      return { kind: summary.kind, at, target, line: summary.line, result };
    } catch (error) {
      // postHttp answers with a result; only a bug lands here, and it must not stop the next round.
      const result: DeliveryResult = { ok: false, error: `heartbeat failed: ${error instanceof Error ? error.name : 'error'}`, retryable: true, durationMs: 0 };
      return { kind: summary.kind, at, target: this.target ?? '', line: summary.line, result };
    } finally {
      this.inFlight = false;
    }
  }

  private due(kind: PingKind, now: number, every: number): boolean {
    const last = this.last;
    if (!last || kind !== last.kind || now < last.at) return true;
    const gap = last.ok ? every / 2 : Math.min(every / 2, RETRY_AFTER_FAILURE_MS);
    return now - last.at >= gap;
  }

  private record(at: number, target: string, summary: ReturnType<typeof heartbeatSummary>, result: DeliveryResult): void {
    try {
      this.options.log.record({
        channelId: HEARTBEAT_CHANNEL_ID,
        alertKey: randomUUID(),
        purpose: 'status',
        at,
        attempt: 1,
        // The next round is the retry: each ping stands alone.
        final: true,
        title: `Heartbeat (${summary.kind}) to ${target}: ${summary.line}`,
        status: summary.worst,
        sources: summary.sources,
        result,
      });
    } catch {
      // The history may be locked past its busy timeout; the ping itself was made, and the next is recorded.
    }
  }
}

/** Where pings go, safe to show: the ping URL's host (from url, or the variable urlEnv names), never its path. */
export function heartbeatTarget(config: Pick<HeartbeatConfig, 'url' | 'urlEnv'>, env: NodeJS.ProcessEnv = process.env): string {
  if (config.url !== undefined) return urlHost(config.url) ?? 'the heartbeat URL';
  const fromEnv = config.urlEnv ? env[config.urlEnv] : undefined;
  return (fromEnv ? urlHost(fromEnv) : undefined) ?? `the URL in $${config.urlEnv}`;
}

/**
 * What must never leave this module: the URL whole, with /fail, its path and query, and each long path
 * segment on its own (a Healthchecks UUID or ping key, in case some message quotes only it). Short segments
 * ("ping", "fail") are words that would be blanked out of every message.
 */
function pingSecrets(url: string): string[] {
  let segments: string[] = [];
  try {
    segments = new URL(url).pathname.split('/').filter((segment) => segment.length >= 8);
  } catch {
    // an invalid URL is refused by postHttp before anything is sent
  }
  let fail: string[] = [];
  try {
    fail = urlSecrets(failUrl(url));
  } catch {
    // as above
  }
  return [...fail, ...urlSecrets(url), ...segments];
}
