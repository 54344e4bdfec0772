// The settings page's recovery objectives (`databases:` in the config file): read as written ("15m"), saved with
// the same writer as sources and channels (config-write.ts: comments, key order, symlinks and the file's mode
// kept) and the same validation as `config check`, each problem beside its field.
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import type { DatabaseObjectiveEdit, DatabaseObjectiveSettings, Validation } from '../../shared/api';
import type { Config, ConfigProblem } from '../../shared/config';
import { saveConfigText, validateRawConfig } from './config';
import { isPlainObject, rawSources, readConfigText, relativeTo, updatedNode } from './config-edit';

export interface ObjectiveEditContext {
  configFile: string;
  /** Puts the saved config in force. */
  apply(config: Config): void;
}

/** The objectives as the file has them, and the postgres sources a database's server can be. */
export function databaseObjectiveSettings(configFile: string): DatabaseObjectiveSettings {
  const text = readConfigText(configFile);
  const doc = text.trim() ? parseDocument(text).toJS() : {};
  const written = isPlainObject(doc) && Array.isArray(doc.databases) ? doc.databases.filter(isPlainObject) : [];
  const servers = rawSources(text).flatMap((s) => (s.kind === 'postgres' && typeof s.id === 'string' ? [s.id] : []));
  return { configFile, objectives: written, servers };
}

/** Writes the edited objectives (replacing `original`, or added), validated as `config check` would, and puts them in force. */
export function saveDatabaseObjective(context: ObjectiveEditContext, edit: DatabaseObjectiveEdit): Validation {
  if (!isPlainObject(edit?.objective)) return { ok: false, problems: [{ path: '', message: 'the objectives must be a mapping of fields' }] };
  const before = readConfigText(context.configFile);
  const doc = before.trim() ? parseDocument(before) : new Document({});
  if (!doc.contents || !isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  const original = edit.original;
  const index = original === undefined ? -1 : indexOf(doc, original);
  if (original !== undefined && index < 0) return { ok: false, problems: [{ path: '', message: `no objectives for ${String(original.name)} on ${String(original.server)} in ${context.configFile}` }] };
  // Fields left empty are not set (the default drillAge, no rpo).
  const fields = Object.fromEntries(Object.entries(edit.objective).filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const list = doc.get('databases');
  let at: number;
  if (index >= 0 && isSeq(list)) {
    list.items[index] = updatedNode(doc, list.items[index], fields) as never;
    at = index;
  } else if (isSeq(list)) {
    list.flow = false;
    list.items.push(doc.createNode(fields) as never);
    at = list.items.length - 1;
  } else {
    doc.set('databases', updatedNode(doc, doc.get('databases', true), [fields]));
    at = 0;
  }
  const text = doc.toString();
  const result = validateRawConfig(parseDocument(text).toJS());
  if (!result.ok) return { ok: false, problems: result.problems.map((p) => relativeTo(p, `databases[${at}]`)) };
  return save(context, text);
}

/** Removes a database's objectives from the config file (its history stays). */
export function deleteDatabaseObjective(context: ObjectiveEditContext, target: { name: string; server: string }): Validation {
  const doc = parseDocument(readConfigText(context.configFile));
  const index = indexOf(doc, target);
  if (index < 0) return { ok: false, problems: [{ path: '', message: `no objectives for ${String(target?.name)} on ${String(target?.server)} in ${context.configFile}` }] };
  doc.deleteIn(['databases', index]);
  return save(context, doc.toString());
}

function save(context: ObjectiveEditContext, text: string): Validation {
  const saved = saveConfigText(context.configFile, text);
  if (!saved.ok) return { ok: false, problems: saved.problems as ConfigProblem[] };
  context.apply(saved.config);
  return { ok: true, problems: [] };
}

function indexOf(doc: Document, target: { name?: unknown; server?: unknown } | undefined): number {
  const list = doc.get('databases');
  if (!isSeq(list) || !target) return -1;
  return list.items.findIndex((item) => isMap(item) && item.get('name') === target.name && item.get('server') === target.server);
}
