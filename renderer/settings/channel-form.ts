// An alert channel as the settings form holds it (text in each field, lists as one line), and back to the
// config file's shape. What the form does not show (headers, a passwordFile, a variable's name) is carried
// unchanged in `extra`, so an edit keeps it exactly; the engine refuses any change to what is file-only.
import type { EditableAlertChannel } from '../../shared/api';
import { CHANNEL_SECRET_HOLDER, type ChannelKind } from '../../shared/alerts-config';

/** The kinds a channel can be added as here: a command channel runs a program, so it is added in the file. */
export const FORM_CHANNEL_KINDS = ['webhook', 'ntfy', 'slack', 'email'] as const satisfies readonly ChannelKind[];

export interface ChannelForm {
  kind: ChannelKind;
  /** Field path ("smtp.host", "remindEvery") -> its text. Lists ("to", "sources") as "a, b". */
  text: Record<string, string>;
  recoveries: boolean;
  /** The file says `recoveries: true` (the default) in so many words: kept so. */
  recoveriesWritten: boolean;
  /** The keychain keeps this channel's password (the file says passwordStored). */
  passwordStored: boolean;
  /** Top-level fields and smtp fields not on the form, as written. */
  extra: Record<string, unknown>;
  smtpExtra: Record<string, unknown>;
}

const COMMON_TEXT = ['id', 'name', 'minStatus', 'sources', 'databases', 'remindEvery', 'timeout'] as const;
const KIND_TEXT: Record<ChannelKind, readonly string[]> = {
  webhook: ['url'],
  slack: ['url'],
  ntfy: ['url', 'topic', 'priority', 'user'],
  email: ['to', 'from', 'smtp.host', 'smtp.port', 'smtp.tls', 'smtp.user'],
  command: [],
};
const LIST_FIELDS = new Set(['sources', 'databases', 'to']);
const NUMBER_FIELDS = new Set(['priority', 'smtp.port']);

/** The text fields the form shows for a kind, in order. */
export function channelTextFields(kind: ChannelKind): string[] {
  return [...COMMON_TEXT, ...KIND_TEXT[kind]];
}

/** Every path the form can put a problem beside: its fields, the password, and what is shown read-only. */
export function channelFieldPaths(form: ChannelForm, fileOnly: readonly string[]): string[] {
  const password = CHANNEL_SECRET_HOLDER[form.kind] ? ['password', form.kind === 'email' ? 'smtp.passwordStored' : 'passwordStored'] : [];
  return [...channelTextFields(form.kind), 'recoveries', 'kind', 'headers', ...password, ...fileOnly];
}

export function emptyChannelForm(kind: ChannelKind): ChannelForm {
  return { kind, text: {}, recoveries: true, recoveriesWritten: false, passwordStored: false, extra: {}, smtpExtra: {} };
}

/** A new kind keeps what the kinds share (id, filters); the rest starts empty. */
export function withChannelKind(form: ChannelForm, kind: ChannelKind): ChannelForm {
  const text = Object.fromEntries(COMMON_TEXT.filter((k) => form.text[k] !== undefined).map((k) => [k, form.text[k]!]));
  return { ...emptyChannelForm(kind), text, recoveries: form.recoveries };
}

export function formFromChannel(channel: EditableAlertChannel): ChannelForm {
  const fields = channel.fields;
  const kind = fields.kind as ChannelKind;
  const smtp = isPlainObject(fields.smtp) ? fields.smtp : {};
  const shown = new Set(channelTextFields(kind));
  const text: Record<string, string> = {};
  for (const path of shown) {
    const value = path.startsWith('smtp.') ? smtp[path.slice(5)] : fields[path];
    if (value !== undefined && value !== null) text[path] = Array.isArray(value) ? value.map(String).join(', ') : String(value);
  }
  const holder = CHANNEL_SECRET_HOLDER[kind] === 'smtp' ? smtp : fields;
  const extra = Object.fromEntries(Object.entries(fields).filter(([key]) => !shown.has(key) && !['kind', 'recoveries', 'passwordStored', 'smtp'].includes(key)));
  const smtpExtra = Object.fromEntries(Object.entries(smtp).filter(([key]) => !shown.has(`smtp.${key}`) && key !== 'passwordStored'));
  return { kind, text, recoveries: fields.recoveries !== false, recoveriesWritten: fields.recoveries === true, passwordStored: holder.passwordStored === true, extra, smtpExtra };
}

/** The channel for saveAlertChannel: empty fields left out (kept secrets stay as the file has them). */
export function channelFromForm(form: ChannelForm): Record<string, unknown> {
  // id and kind first: a new channel is written in the order people read it.
  const channel: Record<string, unknown> = { id: form.text.id?.trim() || undefined, kind: form.kind, ...form.extra };
  const smtp: Record<string, unknown> = { ...form.smtpExtra };
  for (const path of channelTextFields(form.kind)) {
    const raw = form.text[path]?.trim();
    if (!raw) {
      if (path === 'id') delete channel.id;
      continue;
    }
    const value = LIST_FIELDS.has(path) ? splitList(raw) : NUMBER_FIELDS.has(path) && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (path.startsWith('smtp.')) smtp[path.slice(5)] = value;
    else channel[path] = value;
  }
  if (!form.recoveries || form.recoveriesWritten) channel.recoveries = form.recoveries;
  const holder = CHANNEL_SECRET_HOLDER[form.kind];
  if (form.passwordStored && holder === 'smtp') smtp.passwordStored = true;
  if (form.passwordStored && holder === 'channel') channel.passwordStored = true;
  if (form.kind === 'email' || Object.keys(smtp).length > 0) channel.smtp = smtp;
  return channel;
}

function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
