// Edits of the config file's sources that keep the user's comments, order and formatting: the settings
// page changes one source, never rewrites the whole file from scratch.
import { readFileSync } from 'node:fs';
import { Document, isMap, isSeq, parseDocument } from 'yaml';

/** The config file's text, or an empty config when it does not exist yet (first run). */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Every source as written in the file (units still text), for the edit form. */
export function rawSources(text: string): Record<string, unknown>[] {
  const raw = parseDocument(text).toJS() as { sources?: unknown } | null;
  return Array.isArray(raw?.sources) ? raw.sources.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null) : [];
}

/** The defaults as written in the file, for the settings page to show (they are edited in the file only). */
export function rawDefaults(text: string): Record<string, unknown> {
  const raw = parseDocument(text).toJS() as { defaults?: unknown } | null;
  const defaults = raw?.defaults;
  return typeof defaults === 'object' && defaults !== null && !Array.isArray(defaults) ? (defaults as Record<string, unknown>) : {};
}

function sourcesOf(doc: Document) {
  const sources = doc.get('sources');
  return isSeq(sources) ? sources : null;
}

function indexOf(doc: Document, id: string): number {
  const sources = sourcesOf(doc);
  if (!sources) return -1;
  return sources.items.findIndex((item) => isMap(item) && item.get('id') === id);
}

/** The text with `source` replacing the one with `originalId`, or appended when there is none. */
export function withSource(text: string, source: Record<string, unknown>, originalId?: string): string {
  const doc = text.trim() ? parseDocument(text) : new Document({ sources: [] });
  if (!doc.contents || !isMap(doc.contents)) doc.contents = doc.createNode({ sources: [] }) as never;
  const node = doc.createNode(source);
  const index = originalId === undefined ? -1 : indexOf(doc, originalId);
  if (index >= 0) doc.setIn(['sources', index], node);
  else if (sourcesOf(doc)) doc.addIn(['sources'], node);
  else doc.set('sources', doc.createNode([source]));
  return doc.toString();
}

/** The text without the source `id` (unchanged if there is none). */
export function withoutSource(text: string, id: string): string {
  const doc = parseDocument(text);
  const index = indexOf(doc, id);
  if (index >= 0) doc.deleteIn(['sources', index]);
  return doc.toString();
}

/** The index the edited source has (or will have) in the sources list, to map problems back to fields. */
export function sourceIndex(text: string, originalId?: string): number {
  const doc = text.trim() ? parseDocument(text) : new Document({ sources: [] });
  const index = originalId === undefined ? -1 : indexOf(doc, originalId);
  return index >= 0 ? index : (sourcesOf(doc)?.items.length ?? 0);
}
