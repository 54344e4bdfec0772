// ntfy (ntfy.sh or your own server): a JSON publish to the server's root, with title, priority, tags and a
// click-through link, so no header has to carry non-ASCII text.
import type { ChannelOf } from '../../../../shared/alerts-config';
import type { Status } from '../../../../shared/model';
import { urlHost } from '../channel-failure';
import { fitText } from '../compose';
import { urlSecrets } from '../redact';
import type { Alert, Sender } from '../types';
import type { SenderDeps } from './deps';
import { postHttp } from './http-post';
import { MissingSecret, channelSecret } from './secret';

/** ntfy turns a message over 4,096 bytes into an attachment; stay under it. */
const MAX_BYTES = 4_000;

const PRIORITY: Record<Status, number> = { critical: 5, unknown: 4, warning: 3, ok: 3 };
const TAGS: Record<Status, string> = { critical: 'rotating_light', unknown: 'grey_question', warning: 'warning', ok: 'white_check_mark' };

export function ntfyMessage(alert: Alert, channel: Pick<ChannelOf<'ntfy'>, 'topic' | 'priority'>) {
  const link = alert.items.find((i) => i.link)?.link;
  return {
    topic: channel.topic,
    title: alert.title,
    message: fitBytes(alert),
    priority: channel.priority ?? PRIORITY[alert.status],
    tags: [TAGS[alert.status]],
    ...(link ? { click: link } : {}),
  };
}

export function ntfySender(channel: ChannelOf<'ntfy'>, deps: SenderDeps): Sender {
  return {
    target: urlHost(channel.url) ?? channel.url,
    async send(alert, signal) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'backup-health' };
      let password: string | undefined;
      try {
        password = await channelSecret(channel, deps, channel.id, `the ntfy password of ${channel.id}`);
      } catch (error) {
        if (error instanceof MissingSecret) return { ok: false, error: error.message, retryable: false, durationMs: 0 };
        throw error;
      }
      if (password !== undefined) headers.authorization = channel.user ? `Basic ${Buffer.from(`${channel.user}:${password}`).toString('base64')}` : `Bearer ${password}`;
      return postHttp(channel.url, {
        headers,
        body: JSON.stringify(ntfyMessage(alert, channel)),
        timeoutMs: channel.timeout,
        signal,
        secrets: [password, headers.authorization, ...urlSecrets(channel.url)],
      });
    },
  };
}

/** fitText counts characters; names and messages in other scripts take up to 3 bytes each. */
function fitBytes(alert: Alert): string {
  let chars = MAX_BYTES;
  let text = fitText(alert, chars);
  while (Buffer.byteLength(text) > MAX_BYTES && chars > 200) {
    chars = Math.floor(chars * 0.8);
    text = fitText(alert, chars);
  }
  return text;
}
