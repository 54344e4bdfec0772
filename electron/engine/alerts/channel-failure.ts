// A channel that stopped delivering is a finding of its own, worded so the reader knows which alerts they are
// missing and why: "e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts
// undelivered since 02:10". Pure: the delivery log says what failed, this says it.
import type { ChannelConfig } from '../../../shared/alerts-config';
import type { Finding } from '../../../shared/model';

/** What the delivery log knows of a channel that is failing (store/deliveries.ts channelFailure). */
export interface ChannelFailure {
  channelId: string;
  /** When the first alert that was not delivered was first tried. */
  failingSince: number;
  /** Alerts given up on since the channel last delivered one. */
  undelivered: number;
  /** The newest failed attempt's outcome. */
  last: { httpStatus?: number; replyCode?: number; reply?: string; error?: string };
}

/** The finding: rule `alert-delivery`, critical, since whoever reads this channel hears nothing more. */
export interface ChannelFailureFinding extends Finding {
  rule: 'alert-delivery';
  observed: number;
  channelId: string;
}

/** "e-mail alerts to ops@example.com", "webhook alerts to hooks.example.com", "alerts through page-oncall". */
export function channelDescription(channel: ChannelConfig): string {
  switch (channel.kind) {
    case 'email':
      return `e-mail alerts to ${channel.to.join(', ')}`;
    case 'webhook':
      return `webhook alerts to ${urlHost(channel.url) ?? `the URL in $${channel.urlEnv}`}`;
    case 'slack':
      return `Slack alerts to ${urlHost(channel.url) ?? `the URL in $${channel.urlEnv}`}`;
    case 'ntfy':
      return `ntfy alerts to ${urlHost(channel.url) ?? channel.url}`;
    case 'command':
      return `alerts through ${programName(channel.command[0]!)}`;
  }
}

/** Only the host: a webhook's path and query often are its token. */
export function urlHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

export function programName(path: string): string {
  return path.split('/').filter(Boolean).at(-1) ?? path;
}

/** Why the last attempt failed, as the other end said it: the SMTP reply, else what happened, else the HTTP status. */
export function failureReason(last: ChannelFailure['last']): string {
  if (last.reply && /^\d{3}\b/.test(last.reply)) return last.reply;
  return last.error ?? last.reply ?? (last.httpStatus !== undefined ? `HTTP ${last.httpStatus}` : 'the last attempt failed');
}

/**
 * "02:10" the same day as `now`, "Dec 2 02:10" before, in `timeZone` (the machine's when absent).
 */
export function formatSince(at: number, now: number, timeZone?: string): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (day.format(at) === day.format(now)) return time;
  const date = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric' }).format(at);
  return `${date} ${time}`;
}

export function channelFailureMessage(channel: ChannelConfig, failure: ChannelFailure, now: number, timeZone?: string): string {
  const alerts = failure.undelivered === 1 ? '1 alert' : `${failure.undelivered} alerts`;
  return `${channelDescription(channel)} are failing: ${failureReason(failure.last)}; ${alerts} undelivered since ${formatSince(failure.failingSince, now, timeZone)}`;
}

export function channelFailureFinding(channel: ChannelConfig, failure: ChannelFailure, now: number, timeZone?: string): ChannelFailureFinding {
  return { rule: 'alert-delivery', status: 'critical', message: channelFailureMessage(channel, failure, now, timeZone), observed: failure.undelivered, channelId: channel.id };
}
