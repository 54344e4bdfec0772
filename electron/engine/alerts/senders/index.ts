// One sender per channel kind; the compiler checks every kind has one.
import type { ChannelConfig, ChannelKind, ChannelOf } from '../../../../shared/alerts-config';
import type { Sender } from '../types';
import { commandSender } from './command';
import type { SenderDeps } from './deps';
import { emailSender } from './email';
import { ntfySender } from './ntfy';
import { slackSender } from './slack';
import { webhookSender } from './webhook';

export type { SenderDeps } from './deps';

const SENDERS: { [K in ChannelKind]: (channel: ChannelOf<K>, deps: SenderDeps) => Sender } = {
  webhook: webhookSender,
  ntfy: ntfySender,
  slack: slackSender,
  email: emailSender,
  command: commandSender,
};

export function senderFor(channel: ChannelConfig, deps: SenderDeps): Sender {
  return (SENDERS[channel.kind] as (channel: ChannelConfig, deps: SenderDeps) => Sender)(channel, deps);
}
