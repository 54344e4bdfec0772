// The `alerts:` section of the config file: where alerts go (channels) and the monitor's own dead man's switch
// (heartbeat). The field builders (durations, passwordEnv/passwordFile) are config.ts's own, handed in by
// buildAlertsSchema, so both sections take the same values with the same messages without importing each other.
import { z } from 'zod';
import { DURATION_RANGES, type DurationRange } from './units';

export const CHANNEL_KINDS = ['webhook', 'ntfy', 'slack', 'email', 'command'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The statuses a channel may set as its lowest alerting one (ok never alerts; recoveries are their own switch). */
export const ALERT_MIN_STATUSES = ['warning', 'unknown', 'critical'] as const;

/** config.ts's builders, so a duration or a password here is read exactly as one in `sources:`. */
export interface AlertFieldBuilders {
  duration: (range: DurationRange, why?: string) => z.ZodType<number, unknown>;
  passwordEnv: z.ZodOptional<z.ZodString>;
  passwordFile: z.ZodOptional<z.ZodString>;
}

const channelId = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and dashes, like ops-mail');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const httpUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (use https://host/path)' });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `must start with https:// or http:// (got ${url.protocol}//)` });
  // A password in the URL would land in the config file; the message must not echo it.
  if (url.password) ctx.addIssue({ code: 'custom', message: 'contains a password; remove it from the URL and use passwordEnv or passwordFile' });
});

/**
 * The desktop app keeps this channel's password or token in the OS keychain (its settings page sets this when
 * one is entered there). serve and the CLI cannot read it: they use passwordEnv or passwordFile.
 */
const passwordStored = z.literal(true).optional();

const emailAddress = z.string().regex(/^[^\s@<>",]+@[^\s@<>",]+$/, 'must be an e-mail address like ops@example.com');

/** An HTTP header's value: text in the config file, or `{ env: NAME }` for a token that must not be there. */
const headerValue = z.union([z.string(), z.strictObject({ env: envName })]);
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name like X-Token');

export function buildAlertsSchema(fields: AlertFieldBuilders) {
  const { duration, passwordEnv, passwordFile } = fields;

  const common = {
    id: channelId,
    name: z.string().min(1).optional(),
    /** The lowest status that alerts. */
    minStatus: z.enum(ALERT_MIN_STATUSES).default('warning'),
    /** Only these sources (ids); with `databases`, a change matching either alerts. Absent: every source. */
    sources: z.array(z.string().min(1)).min(1).optional(),
    /** Only sources holding or backing up these databases (names). */
    databases: z.array(z.string().min(1)).min(1).optional(),
    /** Say when a source is back below minStatus. */
    recoveries: z.boolean().default(true),
    /** Send again this often while a source stays critical. */
    remindEvery: duration(DURATION_RANGES.interval, 'a reminder more often than every 10s is noise').optional(),
    /** How long one attempt may take. */
    timeout: duration(DURATION_RANGES.alertTimeout).default(10_000),
  };

  /** `url`, or `urlEnv` when the URL itself is the secret (a Slack or Mattermost incoming webhook). */
  const urlFields = { url: httpUrl.optional(), urlEnv: envName.optional() };

  const webhook = z.strictObject({
    ...common,
    kind: z.literal('webhook'),
    ...urlFields,
    /** Extra request headers; a token goes as `{ env: NAME }`. */
    headers: z.record(headerName, headerValue).optional(),
    /** A bearer token, sent as `Authorization: Bearer <token>`: from the environment, a file or the keychain. */
    passwordEnv,
    passwordFile,
    passwordStored,
  });

  const ntfy = z.strictObject({
    ...common,
    kind: z.literal('ntfy'),
    /** The ntfy server (default https://ntfy.sh). */
    url: httpUrl.default('https://ntfy.sh'),
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'must be an ntfy topic: letters, digits, - and _ (up to 64)'),
    /** 1 (min) to 5 (max); absent: 5 for critical, 4 for unknown, 3 otherwise. */
    priority: z.number().int().min(1).max(5).optional(),
    /** With passwordEnv/passwordFile: basic auth as this user; without a user, the password is an access token. */
    user: z.string().min(1).optional(),
    passwordEnv,
    passwordFile,
    passwordStored,
  });

  const slack = z.strictObject({
    ...common,
    kind: z.literal('slack'),
    ...urlFields,
  });

  const smtp = z.strictObject({
    host: z.string().min(1),
    /** Default 587 for starttls and none, 465 for tls. */
    port: z.number().int().min(1).max(65535).optional(),
    /** starttls: plain connection upgraded and required; tls: TLS from the start (465); none: never encrypted. */
    tls: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    user: z.string().min(1).optional(),
    passwordEnv,
    passwordFile,
    passwordStored,
  });

  const email = z.strictObject({
    ...common,
    kind: z.literal('email'),
    to: z.array(emailAddress).min(1),
    from: emailAddress,
    smtp,
  });

  const command = z.strictObject({
    ...common,
    kind: z.literal('command'),
    /** The program and its arguments, run without a shell; the alert is written to its stdin as JSON. */
    command: z.array(z.string().min(1)).min(1),
  });

  const channelUnion = z.discriminatedUnion('kind', [webhook, ntfy, slack, email, command]);
  // A kind that is not a channel kind is told as such here: the message config.ts gives an unknown `kind`
  // lists the source kinds.
  const channel = z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      const kind = (value as { kind?: unknown }).kind;
      if (typeof kind === 'string' && (CHANNEL_KINDS as readonly string[]).includes(kind)) return;
      const found = kind === undefined ? 'it is missing' : typeof kind === 'string' ? `it is ${JSON.stringify(kind)}` : `it is a ${typeof kind}`;
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `must be one of ${CHANNEL_KINDS.join(', ')}; ${found}` });
    })
    .pipe(channelUnion);

  const heartbeat = z
    .strictObject({
      /** A Healthchecks-compatible ping URL: pinged after each poll round, `/fail` appended when something is critical. */
      url: httpUrl.optional(),
      /** The environment variable holding the ping URL: the URL is itself a secret (its key reports for the check). */
      urlEnv: envName.optional(),
      /** How often the pinged service expects a ping: at least this often, even when nothing changed. */
      every: duration(DURATION_RANGES.interval).default(5 * 60_000),
    })
    .superRefine((beat, ctx) => {
      if (beat.url === undefined && beat.urlEnv === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required: set url, or urlEnv naming an environment variable that holds the ping URL' });
      if (beat.url !== undefined && beat.urlEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['urlEnv'], message: 'set url or urlEnv, not both' });
    });

  // `alerts:` or `channels:` with every line under it commented out is YAML null: an empty section, as config.ts
  // reads `sources:`.
  const emptyIsNone = (raw: unknown) => {
    if (raw === null) return {};
    if (typeof raw === 'object' && !Array.isArray(raw) && (raw as { channels?: unknown }).channels === null) return { ...raw, channels: [] };
    return raw;
  };
  const section = z
    .strictObject({
      channels: z.array(channel).default([]),
      heartbeat: heartbeat.optional(),
      /** The dashboard's address as people reach it (`serve` behind a proxy): alerts link to each source there. */
      dashboardUrl: httpUrl.optional(),
    })
    // Run even when a field failed, so one pass reports every problem.
    .superRefine((alerts, ctx) => checkChannels(alerts.channels as unknown[], ctx), {
      when: (payload) => Array.isArray((payload.value as { channels?: unknown } | undefined)?.channels),
    });
  return z.preprocess(emptyIsNone, section);
}

type LooseChannel = {
  id?: unknown;
  kind?: unknown;
  url?: unknown;
  urlEnv?: unknown;
  passwordEnv?: unknown;
  passwordFile?: unknown;
  passwordStored?: unknown;
  user?: unknown;
  headers?: unknown;
  smtp?: LooseChannel;
};

/** Where a channel kind keeps its password or token: the channel itself, its `smtp:` part, or nowhere. */
export const CHANNEL_SECRET_HOLDER: Readonly<Record<ChannelKind, 'channel' | 'smtp' | null>> = {
  webhook: 'channel',
  ntfy: 'channel',
  email: 'smtp',
  slack: null,
  command: null,
};

/** Checks across fields, in the words of the field to change. Values may still be raw input: read defensively. */
function checkChannels(channels: unknown[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  channels.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) return;
    const channel = raw as LooseChannel;
    const at = (...path: (string | number)[]) => ['channels', i, ...path];
    if (typeof channel.id === 'string') {
      if (seen.has(channel.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `"${channel.id}" is used by another channel; ids must be unique` });
      seen.add(channel.id);
    }
    if (channel.kind === 'webhook' || channel.kind === 'slack') {
      if (channel.url === undefined && channel.urlEnv === undefined) ctx.addIssue({ code: 'custom', path: at('url'), message: 'is required: set url, or urlEnv naming an environment variable that holds it' });
      if (channel.url !== undefined && channel.urlEnv !== undefined) ctx.addIssue({ code: 'custom', path: at('urlEnv'), message: 'set url or urlEnv, not both' });
    }
    const holderKind = typeof channel.kind === 'string' && Object.hasOwn(CHANNEL_SECRET_HOLDER, channel.kind) ? CHANNEL_SECRET_HOLDER[channel.kind as ChannelKind] : null;
    const secretHolder = holderKind === 'smtp' ? (typeof channel.smtp === 'object' && channel.smtp !== null ? channel.smtp : null) : holderKind === 'channel' ? channel : null;
    if (secretHolder === null) return;
    const base = holderKind === 'smtp' ? ['smtp'] : [];
    const hasPassword = Boolean(secretHolder.passwordEnv || secretHolder.passwordFile || secretHolder.passwordStored);
    if (secretHolder.passwordEnv && secretHolder.passwordFile) ctx.addIssue({ code: 'custom', path: at(...base, 'passwordFile'), message: 'set passwordEnv or passwordFile, not both' });
    if (secretHolder.passwordStored && (secretHolder.passwordEnv || secretHolder.passwordFile)) {
      const other = secretHolder.passwordEnv ? 'passwordEnv' : 'passwordFile';
      ctx.addIssue({
        code: 'custom',
        path: at(...base, 'passwordStored'),
        message: `the desktop app keeps this channel's password in the keychain (passwordStored), and ${other} is set too; keep one of them`,
      });
    }
    if (channel.kind === 'email' && secretHolder.user !== undefined && !hasPassword) {
      ctx.addIssue({ code: 'custom', path: at('smtp', 'passwordEnv'), message: 'smtp.user is set without a password: set passwordEnv or passwordFile (chmod 600), or enter it in the desktop app' });
    }
    if (channel.kind === 'email' && secretHolder.user === undefined && hasPassword) {
      ctx.addIssue({ code: 'custom', path: at('smtp', 'user'), message: 'is required with a password: the SMTP login name' });
    }
    if (channel.kind === 'ntfy' && secretHolder.user !== undefined && !hasPassword) {
      ctx.addIssue({ code: 'custom', path: at('passwordEnv'), message: 'user is set without a password: set passwordEnv or passwordFile (chmod 600), or enter it in the desktop app' });
    }
    if (channel.kind === 'webhook' && hasPassword && typeof channel.headers === 'object' && channel.headers !== null) {
      if (Object.keys(channel.headers).some((name) => name.toLowerCase() === 'authorization')) {
        ctx.addIssue({ code: 'custom', path: at('headers', 'Authorization'), message: 'the bearer token (passwordEnv, passwordFile or the kept password) is sent as Authorization: remove this header or the token' });
      }
    }
  });
}

export type AlertsConfig = z.output<ReturnType<typeof buildAlertsSchema>>;
export type AlertsConfigInput = z.input<ReturnType<typeof buildAlertsSchema>>;
export type ChannelConfig = AlertsConfig['channels'][number];
export type ChannelOf<K extends ChannelKind> = Extract<ChannelConfig, { kind: K }>;
export type HeartbeatConfig = NonNullable<AlertsConfig['heartbeat']>;
