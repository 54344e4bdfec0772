// Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): `{ "text": … }`, the title in bold.
import type { ChannelOf } from '../../../../shared/alerts-config';
import { urlHost } from '../channel-failure';
import { fitText } from '../compose';
import { urlSecrets } from '../redact';
import type { Alert, Sender } from '../types';
import type { SenderDeps } from './deps';
import { postHttp } from './http-post';
import { MissingSecret, envValue } from './secret';

/** Slack cuts a message's text at 40,000 characters; stay well under, in whole source blocks. */
const MAX_TEXT = 35_000;

/** Slack's control characters; Mattermost's markdown reads the same entities back as < > &. */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(alert: Alert): { text: string } {
  return { text: `*${escape(alert.title)}*\n${escape(fitText(alert, MAX_TEXT))}` };
}

export function slackSender(channel: ChannelOf<'slack'>, deps: SenderDeps): Sender {
  return {
    target: urlHost(channel.url) ?? `the URL in $${channel.urlEnv}`,
    async send(alert, signal) {
      let url: string;
      try {
        url = channel.url ?? envValue(deps.env, channel.urlEnv!, `the Slack webhook URL of ${channel.id}`);
      } catch (error) {
        if (error instanceof MissingSecret) return { ok: false, error: error.message, retryable: false, durationMs: 0 };
        throw error;
      }
      const headers = { 'content-type': 'application/json', 'user-agent': 'backup-health' };
      return postHttp(url, { headers, body: JSON.stringify(slackMessage(alert)), timeoutMs: channel.timeout, signal, secrets: urlSecrets(url) });
    },
  };
}
