// What the engine calls after each poll round: round() sends every channel the changes its filters let
// through, as one message, records each attempt (with retries), and when a channel has stopped delivering,
// says so once through every channel that still works. testChannel() is the settings page's "Send a test alert".
// What each channel was told of each source is read from and written to the history file every round (the
// delivery log's ToldLog), so a restart or another process taking the sender lease over goes on from it.
import { randomUUID } from 'node:crypto';
import type { AlertsConfig, ChannelConfig } from '../../../shared/alerts-config';
import { channelDescription, channelFailureFinding, channelFailureMessage, type ChannelFailureFinding } from './channel-failure';
import { composeChannelFailingAlert, composeStatusAlert, composeTestAlert } from './compose';
import { RETRY_DELAYS, sendWithRetries, systemClock } from './retry';
import { selectRound, type Told, type ToldLog } from './select';
import { senderFor, type SenderDeps } from './senders/index';
import type { Alert, Clock, DeliveryAttempt, DeliveryLog, DeliveryResult, RoundContext, Sender, StatusChange } from './types';

/**
 * Where a failing channel's record keeps the start of the failure the other channels were told of (as its `at`).
 * Not a source id: those are lowercase letters, digits and dashes.
 */
const FAILURE_NOTICED = '(failure noticed)';

export interface DispatcherOptions {
  log: DeliveryLog;
  clock?: Clock;
  /** Waits before each attempt (default 0, 30 s, 2 min). */
  retryDelays?: readonly number[];
  senderDeps?: SenderDeps;
  /** Tests may hand in their own senders. */
  makeSender?: (channel: ChannelConfig) => Sender;
  /** What each channel was told of each source; by default the log's own (DeliveryTable), else kept in memory. */
  told?: ToldLog;
  /** For the failing-channel wording's times; the machine's zone when absent. */
  timeZone?: string;
}

export interface ChannelOutcome {
  channelId: string;
  /** Sources named in the alert. */
  sources: number;
  result: DeliveryResult;
}

export interface RoundReport {
  /** One per channel that had something to say, with its final attempt's result. */
  sent: ChannelOutcome[];
  /** The failing-channel notice, one per working channel it went through. */
  notices: ChannelOutcome[];
}

export type TestResult = { ok: true; channelId: string; target: string; result: DeliveryResult } | { ok: false; error: { code: 'unknown-channel'; message: string } };

export class AlertDispatcher {
  private alerts: AlertsConfig;
  private readonly clock: Clock;
  private readonly delays: readonly number[];
  private readonly senders = new Map<string, Sender>();
  private readonly told: ToldLog;
  /** Per channel: its record as this process last read or wrote it, for a round the file stays locked in. */
  private readonly toldCache = new Map<string, Map<string, Told>>();

  constructor(
    alerts: AlertsConfig | undefined,
    private readonly options: DispatcherOptions,
  ) {
    this.alerts = alerts ?? { channels: [] };
    this.clock = options.clock ?? systemClock;
    this.delays = options.retryDelays ?? RETRY_DELAYS;
    this.told = options.told ?? (isToldLog(options.log) ? options.log : new MemoryToldLog());
  }

  /** A new config: senders are rebuilt; what channels were told stays by id (in the history file). */
  configure(alerts: AlertsConfig | undefined): void {
    this.alerts = alerts ?? { channels: [] };
    this.senders.clear();
  }

  get channels(): readonly ChannelConfig[] {
    return this.alerts.channels;
  }

  /**
   * After a poll round: one message per channel with everything it should hear (changes, reminders), each
   * delivered with retries and recorded, then the failing-channel notice through the others. Resolves when
   * every attempt is done, retries included (minutes, with the default delays): do not hold a poll on it.
   */
  async round(changes: readonly StatusChange[], context: RoundContext, signal?: AbortSignal): Promise<RoundReport> {
    const withLink: RoundContext = { ...context, dashboardUrl: context.dashboardUrl ?? this.alerts.dashboardUrl };
    const sends = this.alerts.channels.map(async (channel): Promise<ChannelOutcome | null> => {
      const { items, told } = selectRound(channel, changes, withLink, this.readTold(channel.id));
      // Written before sending, as sent or given up on: an alert is told once (a channel that fails is a finding
      // of its own, said through the others), and a round that overlaps a retrying one does not repeat it.
      this.writeTold(channel.id, told);
      if (items.length === 0) return null;
      const alert = composeStatusAlert(items, context.at);
      return { channelId: channel.id, sources: items.length, result: await this.deliver(channel, alert, signal) };
    });
    const sent = (await Promise.all(sends)).filter((outcome) => outcome !== null);
    const notices = await this.noticeFailingChannels(signal);
    return { sent, notices };
  }

  /** One attempt, no retries, recorded as a test (it does not count as an undelivered alert). */
  async testChannel(channelId: string, signal?: AbortSignal): Promise<TestResult> {
    const channel = this.alerts.channels.find((c) => c.id === channelId);
    if (!channel) return { ok: false, error: { code: 'unknown-channel', message: `no alert channel has the id "${channelId}"` } };
    const sender = this.senderOf(channel);
    const result = await this.deliver(channel, composeTestAlert(channel.id, this.clock.now()), signal, [0]);
    return { ok: true, channelId, target: sender.target, result };
  }

  /** The channel's newest recorded attempt (a delivery, a failure, a test), for the settings page; null: none yet. */
  lastAttempt(channelId: string): DeliveryAttempt | null {
    return this.options.log.recent({ channelId, limit: 1 })[0] ?? null;
  }

  /** The alert-delivery findings: one per channel that is failing now. */
  failingChannels(now = this.clock.now()): ChannelFailureFinding[] {
    return this.alerts.channels.flatMap((channel) => {
      const failure = this.options.log.channelFailure(channel.id);
      return failure ? [channelFailureFinding(channel, failure, now, this.options.timeZone)] : [];
    });
  }

  private async noticeFailingChannels(signal?: AbortSignal): Promise<ChannelOutcome[]> {
    const now = this.clock.now();
    const failing = new Map(this.alerts.channels.flatMap((c) => {
      const failure = this.options.log.channelFailure(c.id);
      return failure ? [[c.id, { channel: c, failure }] as const] : [];
    }));
    // The failure (by its start) the other channels were told of is kept in the failing channel's record, so a
    // restart or a new sender does not tell it again; a channel that delivers again forgets it.
    const noticed = new Map(this.alerts.channels.map((c) => [c.id, this.readTold(c.id).get(FAILURE_NOTICED)?.at]));
    for (const [id, since] of noticed) if (since !== undefined && !failing.has(id)) this.writeTold(id, new Map([[FAILURE_NOTICED, null]]));
    const fresh = [...failing.values()].filter(({ channel, failure }) => noticed.get(channel.id) !== failure.failingSince);
    if (fresh.length === 0) return [];
    // Told once per failure, whether or not the notice gets through: the finding stays on the dashboard.
    for (const { channel, failure } of fresh) this.writeTold(channel.id, new Map([[FAILURE_NOTICED, { status: 'critical', at: failure.failingSince }]]));
    const notice = composeChannelFailingAlert(
      fresh.map(({ channel, failure }) => ({ channelId: channel.id, summary: `${channelDescription(channel)} are failing`, message: channelFailureMessage(channel, failure, now, this.options.timeZone) })),
      now,
    );
    const working = this.alerts.channels.filter((c) => !failing.has(c.id));
    return Promise.all(working.map(async (channel) => ({ channelId: channel.id, sources: 0, result: await this.deliver(channel, notice, signal) })));
  }

  private readTold(channelId: string): Map<string, Told> {
    try {
      const told = this.told.told(channelId);
      this.toldCache.set(channelId, told);
      return told;
    } catch {
      // Locked past its busy timeout: this process's last copy (another sender cannot have written meanwhile
      // unless it holds the lease, which this round's caller checked).
      return this.toldCache.get(channelId) ?? new Map();
    }
  }

  private writeTold(channelId: string, updates: Map<string, Told | null>): void {
    if (updates.size === 0) return;
    const cached = this.toldCache.get(channelId) ?? new Map<string, Told>();
    for (const [sourceId, told] of updates) {
      if (told) cached.set(sourceId, told);
      else cached.delete(sourceId);
    }
    this.toldCache.set(channelId, cached);
    try {
      this.told.setTold(channelId, updates);
    } catch {
      // The history stayed locked: the alert still goes; the next round may repeat what this one said.
    }
  }

  private deliver(channel: ChannelConfig, alert: Alert, signal?: AbortSignal, delays = this.delays): Promise<DeliveryResult> {
    const alertKey = randomUUID();
    return sendWithRetries(this.senderOf(channel), alert, {
      delays,
      clock: this.clock,
      signal,
      onAttempt: ({ number, at, final, result }) =>
        this.options.log.record({ channelId: channel.id, alertKey, purpose: alert.purpose, at, attempt: number, final, title: alert.title, status: alert.status, sources: alert.items.length, result }),
    });
  }

  private senderOf(channel: ChannelConfig): Sender {
    let sender = this.senders.get(channel.id);
    if (!sender) {
      sender = this.options.makeSender?.(channel) ?? senderFor(channel, this.options.senderDeps ?? { env: process.env });
      this.senders.set(channel.id, sender);
    }
    return sender;
  }
}

function isToldLog(log: unknown): log is ToldLog {
  return typeof (log as Partial<ToldLog>).told === 'function' && typeof (log as Partial<ToldLog>).setTold === 'function';
}

/** A record that lasts as long as the process, for a delivery log that keeps none (tests' own logs). */
class MemoryToldLog implements ToldLog {
  private readonly channels = new Map<string, Map<string, Told>>();
  told(channelId: string): Map<string, Told> {
    return new Map(this.channels.get(channelId));
  }
  setTold(channelId: string, updates: ReadonlyMap<string, Told | null>): void {
    const record = this.channels.get(channelId) ?? new Map<string, Told>();
    for (const [sourceId, told] of updates) {
      if (told) record.set(sourceId, told);
      else record.delete(sourceId);
    }
    this.channels.set(channelId, record);
  }
}
