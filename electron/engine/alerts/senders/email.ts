// E-mail over SMTP with nodemailer: STARTTLS (required, not opportunistic), TLS from the start, or none; auth with
// the password from passwordEnv, passwordFile or the desktop app's keychain. "Delivered" means the next mail
// server accepted the message for every recipient: nodemailer resolves when only some were refused, so
// `rejected` is checked here.
import type { ChannelOf } from '../../../../shared/alerts-config';
import { redact } from '../redact';
import type { DeliveryResult, Sender } from '../types';
import type { SenderDeps } from './deps';
import { MissingSecret, channelSecret } from './secret';

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  rejectedErrors?: SmtpFailure[];
}

export function emailSender(channel: ChannelOf<'email'>, deps: SenderDeps): Sender {
  const { smtp } = channel;
  const port = smtp.port ?? (smtp.tls === 'tls' ? 465 : 587);
  const server = `${smtp.host}:${port}`;
  return {
    target: channel.to.join(', '),
    async send(alert, signal) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      let password: string | undefined;
      try {
        password = await channelSecret(smtp, deps, channel.id, `the SMTP password of ${channel.id}`);
      } catch (error) {
        if (error instanceof MissingSecret) return { ok: false, error: error.message, retryable: false, durationMs: elapsed() };
        throw error;
      }
      // Loaded when a mail is sent: half a second of every CLI start otherwise, for a command that sends none.
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport({
        host: smtp.host,
        port,
        secure: smtp.tls === 'tls',
        requireTLS: smtp.tls === 'starttls',
        ignoreTLS: smtp.tls === 'none',
        ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? '' } } : {}),
        connectionTimeout: channel.timeout,
        greetingTimeout: channel.timeout,
        socketTimeout: channel.timeout,
        ...(deps.tls ? { tls: deps.tls } : {}),
        // The message is ours: no attachment or link is ever fetched from a file or a URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const secrets = [password];
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => transport.close();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // nodemailer's own timeouts are per step; this one bounds the whole conversation.
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no complete answer from ${server} within ${channel.timeout / 1000}s`), { code: 'ETIMEDOUT' })), channel.timeout);
        });
        const info = (await Promise.race([
          transport.sendMail({ from: channel.from, to: channel.to, subject: alert.title, text: `${alert.text}\n\n-- \nSent by Backup Health to the alert channel ${channel.id}.\n` }),
          limit,
        ])) as { rejected?: unknown[]; rejectedErrors?: SmtpFailure[]; response?: string };
        const rejected = info.rejectedErrors ?? [];
        if ((info.rejected?.length ?? 0) > 0) {
          const first = rejected[0];
          const who = (info.rejected ?? []).map(String).join(', ');
          return {
            ok: false,
            replyCode: first?.responseCode,
            reply: first?.response ? redact(oneLine(first.response), secrets) : undefined,
            error: `${server} refused ${who} (the others were accepted)`,
            retryable: first?.responseCode !== undefined && first.responseCode < 500,
            durationMs: elapsed(),
          };
        }
        const reply = info.response ? redact(oneLine(info.response), secrets) : undefined;
        return { ok: true, replyCode: replyCode(reply), reply, retryable: false, durationMs: elapsed() };
      } catch (error) {
        return smtpFailure(error as SmtpFailure, server, secrets, elapsed(), signal?.aborted === true);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        transport.close();
      }
    },
  };
}

function smtpFailure(error: SmtpFailure, server: string, secrets: (string | undefined)[], durationMs: number, aborted: boolean): DeliveryResult {
  const rejected = error.rejectedErrors?.[0];
  const code = rejected?.responseCode ?? error.responseCode;
  const response = rejected?.response ?? error.response;
  const reply = response ? redact(oneLine(response), secrets) : undefined;
  const what = aborted ? 'cancelled' : describe(error, server);
  return {
    ok: false,
    ...(code !== undefined ? { replyCode: code } : {}),
    ...(reply ? { reply } : {}),
    error: redact(what, secrets),
    // A 5xx reply is final (a DMARC or relay refusal stays one); a 4xx, a timeout or a dropped connection may pass.
    retryable: !aborted && (code === undefined || code < 500),
    durationMs,
  };
}

function describe(error: SmtpFailure, server: string): string {
  switch (error.code) {
    case 'EAUTH':
      return `${server} refused the login (check smtp.user and the password)`;
    case 'EENVELOPE':
      return `${server} refused the recipients or the sender`;
    case 'ETIMEDOUT':
      return error.message?.startsWith('no complete answer') ? error.message : `no answer from ${server} in time`;
    case 'ESOCKET':
    case 'ECONNECTION':
      return `${server}: ${error.message ?? 'the connection failed'}`;
    case 'ETLS':
      return `${server}: TLS failed: ${error.message ?? ''}`;
    default:
      return `${server}: ${error.message ?? 'sending failed'}`;
  }
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

function replyCode(reply: string | undefined): number | undefined {
  const m = reply ? /^(\d{3})\b/.exec(reply) : null;
  return m ? Number(m[1]) : undefined;
}
