// How alert channels and their deliveries are put into words on the settings page and the overview.
import type { AlertChannelView, AlertDeliveryView } from '../../../shared/api';
import { formatDuration } from '../../../shared/units';
import { STATUS_WORD, ago } from '../../words';

export const CHANNEL_KIND_WORD: Record<AlertChannelView['kind'], string> = {
  webhook: 'Webhook',
  ntfy: 'ntfy',
  slack: 'Slack-compatible webhook',
  email: 'E-mail',
  command: 'Command',
};

/** What came back, as the other end said it: "HTTP 200", "550 5.7.1 rejected by DMARC policy", "connection refused by …". */
export function deliveryReply(delivery: AlertDeliveryView): string {
  const parts: string[] = [];
  if (delivery.httpStatus !== undefined) parts.push(`HTTP ${delivery.httpStatus}`);
  if (delivery.reply) parts.push(delivery.reply);
  else if (delivery.replyCode !== undefined) parts.push(`reply ${delivery.replyCode}`);
  if (delivery.error) parts.push(delivery.error);
  return parts.join('; ');
}

/** "delivered 2h ago (HTTP 200)", "failed 1h ago: 550 5.7.1 rejected by DMARC policy". */
export function deliveryWords(delivery: AlertDeliveryView, now: number): string {
  const reply = deliveryReply(delivery);
  const what = delivery.purpose === 'test' ? 'test ' : '';
  if (delivery.ok) return `${what}delivered ${ago(delivery.at, now)}${reply ? ` (${reply})` : ''}`;
  return `${what}failed ${ago(delivery.at, now)}${reply ? `: ${reply}` : ''}`;
}

/** "warning or worse · only sources orders-dumps · reminds every 1d · no recoveries". */
export function filterWords(channel: AlertChannelView): string {
  const parts = [`${STATUS_WORD[channel.minStatus].toLowerCase()} or worse`];
  if (channel.sources) parts.push(`only sources ${channel.sources.join(', ')}`);
  if (channel.databases) parts.push(`${channel.sources ? 'or' : 'only'} databases ${channel.databases.join(', ')}`);
  if (channel.remindEvery !== undefined) parts.push(`reminds every ${formatDuration(channel.remindEvery)} while critical`);
  parts.push(channel.recoveries ? 'recoveries too' : 'no recoveries');
  return parts.join(' · ');
}
