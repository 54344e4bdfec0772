// A generic webhook: the alert document (compose.ts alertDocument, documented in README) as a JSON POST. A bearer
// token (passwordEnv, passwordFile or the desktop app's keychain) goes as `Authorization: Bearer <token>`.
import type { ChannelOf } from '../../../../shared/alerts-config';
import { urlHost } from '../channel-failure';
import { alertDocument } from '../compose';
import { urlSecrets } from '../redact';
import type { Sender } from '../types';
import type { SenderDeps } from './deps';
import { postHttp } from './http-post';
import { MissingSecret, channelSecret, envValue } from './secret';

export function webhookSender(channel: ChannelOf<'webhook'>, deps: SenderDeps): Sender {
  return {
    target: urlHost(channel.url) ?? `the URL in $${channel.urlEnv}`,
    async send(alert, signal) {
      let url: string;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'backup-health' };
      const secrets: string[] = [];
      try {
        url = channel.url ?? envValue(deps.env, channel.urlEnv!, `the webhook URL of ${channel.id}`);
        for (const [name, value] of Object.entries(channel.headers ?? {})) {
          if (typeof value === 'string') headers[name.toLowerCase()] = value;
          else secrets.push((headers[name.toLowerCase()] = envValue(deps.env, value.env, `header ${name} of ${channel.id}`)));
        }
        const token = await channelSecret(channel, deps, channel.id, `the bearer token of ${channel.id}`);
        if (token !== undefined) secrets.push(token, (headers.authorization = `Bearer ${token}`));
      } catch (error) {
        if (error instanceof MissingSecret) return { ok: false, error: error.message, retryable: false, durationMs: 0 };
        throw error;
      }
      return postHttp(url, { headers, body: JSON.stringify(alertDocument(alert, channel.id)), timeoutMs: channel.timeout, signal, secrets: [...secrets, ...urlSecrets(url)] });
    },
  };
}
