// Adding, changing and removing alert channels from the settings page, written to the config file the way
// sources are (config-edit.ts keeps the comments and key order, config-write.ts the symlinks and file mode).
// What runs a program or names a file stays as the file has it (shared/api-edit-rules.ts). The form never
// receives a channel's secrets: a webhook's URL, an ntfy topic or a header's value is "kept", and an edit that
// leaves it out keeps it. A password entered here goes to the keychain; the file only says passwordStored.
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import type { AlertChannelEdit, AlertChannelSettings, EditableAlertChannel, FileOnlyChannelField, Validation } from '../../shared/api';
import { CHANNEL_PASSWORD_FIELD, CONFIG_FILE_ONLY_CHANNEL_FIELDS, apiChannelEditProblems, keepsStoredPassword } from '../../shared/api-edit-rules';
import { CHANNEL_KINDS, CHANNEL_SECRET_HOLDER, type ChannelKind } from '../../shared/alerts-config';
import type { Config, ConfigProblem } from '../../shared/config';
import { urlHost } from './alerts/channel-failure';
import { channelSecretKey } from './alerts/senders/secret';
import { saveConfigText, validateRawConfig } from './config';
import { isPlainObject, readConfigText, relativeTo, updatedNode } from './config-edit';

/** The desktop app's keychain (api-service.ts PasswordVault), by key: channelSecretKey(id) for a channel. */
export interface ChannelVault {
  set(key: string, password: string): void;
  delete(key: string): void;
  password?(key: string): Promise<string | undefined>;
}

export interface ChannelEditContext {
  configFile: string;
  /** The desktop app's keychain; absent in serve. */
  vault?: ChannelVault;
  /** Puts a saved config in force (the engine, and through it the alert service at its next round or test). */
  apply: (config: Config) => void;
}

/** Every channel as written in the file (units still text). */
export function rawChannels(text: string): Record<string, unknown>[] {
  const raw = parseDocument(text).toJS() as { alerts?: { channels?: unknown } } | null;
  const channels = raw?.alerts?.channels;
  return Array.isArray(channels) ? channels.filter((c): c is Record<string, unknown> => isPlainObject(c)) : [];
}

/** The channel for the form: its secrets replaced by what is safe to say of them. */
export function editableChannel(channel: Record<string, unknown>): EditableAlertChannel {
  const fields: Record<string, unknown> = { ...channel };
  const kept: Record<string, string> = {};
  if (typeof channel.url === 'string' && urlIsSecret(channel.url)) {
    delete fields.url;
    kept.url = urlHost(channel.url) ?? 'set';
  }
  if (channel.kind === 'ntfy' && channel.topic !== undefined) {
    delete fields.topic;
    kept.topic = 'set';
  }
  if (isPlainObject(channel.headers)) {
    delete fields.headers;
    for (const [name, value] of Object.entries(channel.headers)) kept[`headers.${name}`] = isPlainObject(value) && typeof value.env === 'string' ? `$${value.env}` : 'set';
  }
  return { id: String(channel.id), fields, kept, fileOnly: fileOnlyFields(channel) };
}

/** The settings page's channel list, for its forms. */
export function alertChannelSettings(context: Pick<ChannelEditContext, 'configFile' | 'vault'>): AlertChannelSettings {
  const text = readConfigText(context.configFile);
  return { configFile: context.configFile, canStorePasswords: context.vault !== undefined, channels: rawChannels(text).map(editableChannel) };
}

/** Writes the edited channel to the config file, keeps its password, and puts the new config in force. */
export async function saveAlertChannel(context: ChannelEditContext, edit: AlertChannelEdit): Promise<Validation> {
  const candidate = channelCandidate(context, edit);
  if (candidate.problems.length > 0 || candidate.text === undefined) return { ok: false, problems: candidate.problems };
  const saved = saveConfigText(context.configFile, candidate.text);
  if (!saved.ok) return { ok: false, problems: saved.problems };
  const { vault } = context;
  const id = candidate.id!;
  if (vault) {
    const oldKey = edit.originalId !== undefined ? channelSecretKey(edit.originalId) : undefined;
    if (typeof edit.password === 'string' && edit.password) vault.set(channelSecretKey(id), edit.password);
    else if (oldKey && oldKey !== channelSecretKey(id) && candidate.keepsPassword) {
      const kept = await vault.password?.(oldKey);
      if (kept) vault.set(channelSecretKey(id), kept);
    }
    if (oldKey && (oldKey !== channelSecretKey(id) || !candidate.keepsPassword)) vault.delete(oldKey);
  }
  context.apply(saved.config);
  return { ok: true, problems: [] };
}

/** Removes the channel from the config file, and its kept password. Its delivery history stays. */
export function deleteAlertChannel(context: ChannelEditContext, id: string): Validation {
  const before = readConfigText(context.configFile);
  const index = typeof id === 'string' ? channelIndexOf(parseDocument(before), id) : -1;
  if (index < 0) return { ok: false, problems: [{ path: '', message: `no alert channel ${JSON.stringify(String(id))} in ${context.configFile}` }] };
  const doc = parseDocument(before);
  doc.deleteIn(['alerts', 'channels', index]);
  const saved = saveConfigText(context.configFile, doc.toString());
  if (!saved.ok) return { ok: false, problems: saved.problems.map((p) => ({ path: '', message: `removing ${id} would leave the config invalid: ${p.path}: ${p.message}` })) };
  context.vault?.delete(channelSecretKey(id));
  context.apply(saved.config);
  return { ok: true, problems: [] };
}

interface Candidate {
  problems: ConfigProblem[];
  text?: string;
  id?: string;
  /** Whether the saved channel still says passwordStored (else a kept password is forgotten). */
  keepsPassword?: boolean;
}

/** The config text with this edit, and the problems of the edited channel, relative to it (`smtp.host`, `password`). */
export function channelCandidate(context: Pick<ChannelEditContext, 'configFile' | 'vault'>, edit: AlertChannelEdit): Candidate {
  if (!isPlainObject(edit?.channel)) return { problems: [{ path: '', message: 'the channel must be a mapping of fields' }] };
  const before = readConfigText(context.configFile);
  const stored = edit.originalId === undefined ? undefined : rawChannels(before).find((c) => c.id === edit.originalId);
  if (edit.originalId !== undefined && !stored) return { problems: [{ path: '', message: `no alert channel ${JSON.stringify(String(edit.originalId))} in ${context.configFile}` }] };
  const fields = stripEmpty(edit.channel);
  if (stored && stored.kind === fields.kind) {
    // What the form was never shown is kept as the file has it.
    for (const key of keptKeys(stored)) {
      if (fields[key] !== undefined || (key === 'url' && fields.urlEnv !== undefined)) continue;
      fields[key] = stored[key];
    }
  }
  const problems: ConfigProblem[] = [];
  const password = edit.password;
  const entered = typeof password === 'string' && password !== '';
  if (password !== undefined && typeof password !== 'string') problems.push({ path: CHANNEL_PASSWORD_FIELD, message: 'must be text' });
  if (entered) {
    const holder = isChannelKind(fields.kind) ? CHANNEL_SECRET_HOLDER[fields.kind] : null;
    if (!holder) problems.push({ path: CHANNEL_PASSWORD_FIELD, message: `a ${String(fields.kind)} channel takes no password` });
    else if (!context.vault) {
      const where = holder === 'smtp' ? 'smtp.passwordEnv or smtp.passwordFile' : 'passwordEnv or passwordFile';
      problems.push({ path: CHANNEL_PASSWORD_FIELD, message: `this process cannot keep passwords (serve has no keychain): set ${where} in the config file` });
    } else if (holder === 'smtp') fields.smtp = { ...(isPlainObject(fields.smtp) ? fields.smtp : {}), passwordStored: true };
    else fields.passwordStored = true;
  }
  problems.push(...apiChannelEditProblems(fields, stored, { passwordEntered: entered }));
  const text = withChannel(before, fields, edit.originalId);
  const index = channelIndexOf(parseDocument(text), String(fields.id), edit.originalId === undefined ? 'last' : 'first');
  const result = validateRawConfig(parseDocument(text).toJS());
  if (!result.ok) problems.push(...result.problems.map((p) => relativeTo(p, `alerts.channels[${index}]`)));
  if (problems.length > 0) return { problems };
  return { problems: [], text, id: String(fields.id), keepsPassword: keepsStoredPassword(fields) };
}

/** The text with `channel` replacing the one with `originalId` (edited key by key), or appended to alerts.channels. */
export function withChannel(text: string, channel: Record<string, unknown>, originalId?: string): string {
  const doc = text.trim() ? parseDocument(text) : new Document({});
  if (!doc.contents || !isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  const index = originalId === undefined ? -1 : channelIndexOf(doc, originalId);
  const channels = doc.getIn(['alerts', 'channels']);
  if (index >= 0 && isSeq(channels)) channels.items[index] = updatedNode(doc, channels.items[index], channel) as never;
  else if (isSeq(channels)) {
    // `channels: []` is a flow list; a channel appended there would be written as {…} on one long line.
    channels.flow = false;
    channels.items.push(doc.createNode(channel) as never);
  }
  else if (isMap(doc.get('alerts'))) doc.setIn(['alerts', 'channels'], doc.createNode([channel]));
  // `alerts:` with every line under it commented out: the new section keeps those comments.
  else doc.set('alerts', updatedNode(doc, doc.get('alerts', true), { channels: [channel] }));
  return doc.toString();
}

function channelIndexOf(doc: Document, id: string, which: 'first' | 'last' = 'first'): number {
  const channels = doc.getIn(['alerts', 'channels']);
  if (!isSeq(channels)) return -1;
  const matches = channels.items.flatMap((item, i) => (isMap(item) && item.get('id') === id ? [i] : []));
  return (which === 'first' ? matches[0] : matches.at(-1)) ?? -1;
}

/** The fields the form is not shown (editableChannel), so an edit leaving them out keeps them. */
function keptKeys(channel: Record<string, unknown>): string[] {
  const kept = editableChannel(channel).kept;
  return ['url', 'topic', 'headers'].filter((key) => key in kept || Object.keys(kept).some((k) => k.startsWith(`${key}.`)));
}

/** A URL with a path, a query or a user is a secret (a Slack or webhook token lives there); a bare server is not. */
function urlIsSecret(text: string): boolean {
  try {
    const url = new URL(text);
    return url.pathname.replace(/\/$/, '') !== '' || url.search !== '' || url.username !== '' || url.hash !== '';
  } catch {
    return true;
  }
}

/** What the form shows read-only: what runs a program, names a file, or names an environment variable. */
export function fileOnlyFields(channel: Record<string, unknown>): FileOnlyChannelField[] {
  const fields: FileOnlyChannelField[] = [];
  const why = CONFIG_FILE_ONLY_CHANNEL_FIELDS;
  if (channel.kind === 'command') fields.push({ field: 'command', why: why.command! });
  const smtp = isPlainObject(channel.smtp) ? channel.smtp : {};
  for (const [field, value] of [['passwordFile', channel.passwordFile], ['smtp.passwordFile', smtp.passwordFile]] as const) {
    if (value !== undefined) fields.push({ field, why: why.passwordFile! });
  }
  for (const [field, value] of [['passwordEnv', channel.passwordEnv], ['smtp.passwordEnv', smtp.passwordEnv], ['urlEnv', channel.urlEnv]] as const) {
    if (value !== undefined) fields.push({ field, why: why.env! });
  }
  if (isPlainObject(channel.headers)) {
    for (const [name, value] of Object.entries(channel.headers)) if (isPlainObject(value)) fields.push({ field: `headers.${name}`, why: why.env! });
  }
  return fields;
}

/**
 * Form fields left empty mean "not set"; a mapping left empty (smtp with nothing in it) too. Built with
 * fromEntries, so a "__proto__" key from the wire stays a key (refused by the schema), never a prototype.
 */
function stripEmpty(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, item]): [string, unknown][] => {
      if (item === '' || item === null || item === undefined) return [];
      if (!isPlainObject(item)) return [[key, item]];
      const inner = stripEmpty(item);
      return Object.keys(inner).length > 0 ? [[key, inner]] : [];
    }),
  );
}

function isChannelKind(kind: unknown): kind is ChannelKind {
  return typeof kind === 'string' && (CHANNEL_KINDS as readonly string[]).includes(kind);
}

