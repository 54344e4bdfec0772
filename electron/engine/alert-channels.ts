// The settings page's view of the alert channels (alertChannels) and the guard on "Send a test alert"
// (testAlertChannel). Only what is safe to show crosses: a channel's target is an address, a host or a program
// name, never a URL's path or query (a webhook's token), never a password; a delivery is what the log keeps.
import type { AlertChannelView, AlertChannelsData, AlertDeliveryView, FileOnlyChannelField } from '../../shared/api';
import { CONFIG_FILE_ONLY_CHANNEL_FIELDS } from '../../shared/api-edit-rules';
import { fileOnlyFields } from './alert-channel-edit';
import type { AlertsConfig, ChannelConfig } from '../../shared/alerts-config';
import type { AlertService } from './alerts/alert-service';
import { programName, urlHost } from './alerts/channel-failure';
import { HEARTBEAT_CHANNEL_ID, heartbeatTarget } from './alerts/heartbeat';
import type { DeliveryAttempt, DeliveryResult } from './alerts/types';

/** Where a channel's alerts go, worded as its Sender's `target` is (alerts/senders/). */
export function channelTarget(channel: ChannelConfig): string {
  switch (channel.kind) {
    case 'email':
      return channel.to.join(', ');
    case 'webhook':
    case 'slack':
      return urlHost(channel.url) ?? `the URL in $${channel.urlEnv}`;
    case 'ntfy':
      return urlHost(channel.url) ?? 'the ntfy server';
    case 'command':
      return programName(channel.command[0]!);
  }
}

/**
 * The channel's fields that only the config file may set and that make it different from a channel made on the
 * page: a command, a password file (the edit form, alert-channel-edit.ts, also shows variables' names read-only).
 */
export function fileOnlyChannelFields(channel: ChannelConfig): FileOnlyChannelField[] {
  return fileOnlyFields(channel as unknown as Record<string, unknown>).filter((f) => f.why !== CONFIG_FILE_ONLY_CHANNEL_FIELDS.env);
}

export function deliveryView(attempt: DeliveryAttempt): AlertDeliveryView {
  return deliveryResultView(attempt.result, attempt);
}

export function deliveryResultView(result: DeliveryResult, sent: Pick<DeliveryAttempt, 'at' | 'purpose' | 'title'>): AlertDeliveryView {
  return {
    at: sent.at,
    ok: result.ok,
    purpose: sent.purpose,
    title: sent.title,
    ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    ...(result.replyCode !== undefined ? { replyCode: result.replyCode } : {}),
    ...(result.reply !== undefined ? { reply: result.reply } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}

export const NOTHING_SENDS = 'this process sends no alerts: alerts are sent by the desktop app and by backup-health serve';

/** The channels of the config in force, each with its newest attempt and failure, and the heartbeat. */
export function alertChannelsData(alerts: AlertService | undefined, config: AlertsConfig | undefined): AlertChannelsData {
  if (!alerts) return { sending: false, reason: NOTHING_SENDS, sender: null, channels: [], heartbeat: null };
  const failing = new Map(alerts.failingChannels().map((f) => [f.channelId, f]));
  const channels = (config?.channels ?? []).map((channel): AlertChannelView => {
    const failure = failing.get(channel.id);
    const last = alerts.lastAttempt(channel.id);
    return {
      id: channel.id,
      ...(channel.name !== undefined ? { name: channel.name } : {}),
      kind: channel.kind,
      target: channelTarget(channel),
      minStatus: channel.minStatus,
      ...(channel.sources ? { sources: [...channel.sources] } : {}),
      ...(channel.databases ? { databases: [...channel.databases] } : {}),
      ...(channel.remindEvery !== undefined ? { remindEvery: channel.remindEvery } : {}),
      recoveries: channel.recoveries,
      fileOnly: fileOnlyChannelFields(channel),
      lastDelivery: last ? deliveryView(last) : null,
      failing: failure ? { status: failure.status, message: failure.message, undelivered: failure.observed } : null,
    };
  });
  const beat = config?.heartbeat;
  const lastPing = beat ? alerts.lastAttempt(HEARTBEAT_CHANNEL_ID) : null;
  const heartbeat = beat ? { target: heartbeatTarget(beat), every: beat.every, lastPing: lastPing ? deliveryView(lastPing) : null } : null;
  return { sending: true, sender: alerts.senderStatus(), channels, heartbeat };
}

/** A channel gets at most one test alert per this long: the serve token must not make a channel a spam cannon. */
export const TEST_SPACING_MS = 10_000;

/**
 * Per channel: one test at a time, and one test per TEST_SPACING_MS (counted from when the last one began).
 * `begin` answers why a test is refused, or null and holds the channel until `end`.
 */
export class TestAlertGuard {
  private readonly running = new Set<string>();
  private readonly lastBegun = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  begin(channelId: string): { code: string; message: string } | null {
    if (this.running.has(channelId)) return { code: 'test-under-way', message: `a test alert to ${channelId} is being sent; wait for its result` };
    const since = this.now() - (this.lastBegun.get(channelId) ?? -Infinity);
    if (since < TEST_SPACING_MS) {
      const wait = Math.ceil((TEST_SPACING_MS - since) / 1000);
      return { code: 'test-too-soon', message: `a test alert went to ${channelId} moments ago; send another in ${wait} s` };
    }
    this.running.add(channelId);
    this.lastBegun.set(channelId, this.now());
    return null;
  }

  end(channelId: string): void {
    this.running.delete(channelId);
  }
}
