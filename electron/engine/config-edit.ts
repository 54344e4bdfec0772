// Edits of the config file's sources that keep the user's comments, order and formatting: the settings
// page changes one source, never rewrites the whole file from scratch.
import { readFileSync } from 'node:fs';
import { Document, isMap, isNode, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';
import type { ConfigProblem } from '../../shared/config';

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

/**
 * The text with `source` replacing the one with `originalId`, or appended when there is none. A replaced source
 * is edited in place, key by key (changed values set, removed keys deleted, new keys appended), so the comments
 * on and around its lines, its key order and its quoting stay as the user wrote them.
 */
export function withSource(text: string, source: Record<string, unknown>, originalId?: string): string {
  const doc = text.trim() ? parseDocument(text) : new Document({ sources: [] });
  if (!doc.contents || !isMap(doc.contents)) doc.contents = doc.createNode({ sources: [] }) as never;
  const index = originalId === undefined ? -1 : indexOf(doc, originalId);
  const sources = sourcesOf(doc);
  if (index >= 0 && sources) sources.items[index] = updatedNode(doc, sources.items[index], source);
  else if (sources) sources.items.push(doc.createNode(source));
  else doc.set('sources', doc.createNode([source]));
  return doc.toString();
}

/** `node` changed in place to hold `value` where the shapes agree; otherwise a new node that keeps the old one's comments. */
export function updatedNode(doc: Document, node: unknown, value: unknown): unknown {
  if (isScalar(node) && isScalarValue(value)) {
    if (node.value !== value) node.value = value;
    return node;
  }
  if (isMap(node) && isPlainObject(value)) {
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key === 'string' && Object.hasOwn(value, key)) continue;
      removePair(node, pair);
    }
    for (const [key, item] of Object.entries(value)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (pair) pair.value = updatedNode(doc, pair.value, item) as never;
      else node.items.push(doc.createPair(key, item) as never);
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    node.items = value.map((item, i) => (i < node.items.length ? updatedNode(doc, node.items[i], item) : doc.createNode(item))) as never;
    return node;
  }
  const fresh = doc.createNode(value);
  if (isNode(node)) {
    fresh.commentBefore = node.commentBefore;
    fresh.comment = node.comment;
    fresh.spaceBefore = node.spaceBefore;
  }
  return fresh;
}

/** Deletes a key; a comment block above it (a heading for what follows) moves to the next key, or below the map. */
function removePair(map: YAMLMap, pair: Pair): void {
  const index = map.items.indexOf(pair);
  const heading = isNode(pair.key) ? pair.key.commentBefore : undefined;
  map.items.splice(index, 1);
  if (!heading) return;
  const next = map.items[index];
  if (next && isNode(next.key)) next.key.commentBefore = next.key.commentBefore ? `${heading}\n${next.key.commentBefore}` : heading;
  else map.comment = map.comment ? `${heading}\n${map.comment}` : heading;
}

function isScalarValue(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "sources[3].maxAge" -> "maxAge" for the edited entry at `prefix` ("sources[3]", "alerts.channels[0]"); other problems keep their whole path. */
export function relativeTo(problem: ConfigProblem, prefix: string): ConfigProblem {
  if (problem.path === prefix) return { path: '', message: problem.message };
  if (problem.path.startsWith(`${prefix}.`)) return { path: problem.path.slice(prefix.length + 1), message: problem.message };
  return problem;
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
