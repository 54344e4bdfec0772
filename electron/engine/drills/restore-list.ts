// Which items of an archive a drill restores. Objects only a superuser can create (event triggers,
// publications, subscriptions, foreign servers, wrappers and user mappings, and what hangs off them) are left
// out through a TOC list (`pg_restore -L`) and reported in the drill's evidence: the restore runs without
// superuser powers, and a good backup must not fail for holding them. Their SQL is never shown (a user
// mapping or subscription carries passwords); only their type and name.
import type { TocEntry } from '../pg-dump/toc';

export const SUPERUSER_ONLY = ['EVENT TRIGGER', 'PUBLICATION', 'PUBLICATION TABLE', 'PUBLICATION TABLES IN SCHEMA', 'SUBSCRIPTION', 'SUBSCRIPTION TABLE', 'SERVER', 'FOREIGN DATA WRAPPER', 'USER MAPPING', 'FOREIGN TABLE'];
/** Items about another item ("COMMENT - EVENT TRIGGER evt postgres"): skipped with what they describe. */
export const ABOUT_ANOTHER = new Set(['COMMENT', 'SECURITY LABEL', 'ACL']);

export interface RestoreList {
  /** The -L file's text: one kept item per line. */
  text: string;
  kept: number;
  /** What was left out, as "EVENT TRIGGER evt" (type and name, as pg_restore --list printed them). */
  skipped: string[];
}

/** `leakproof`: LEAKPROOF functions as "schema name(args)" (the schema script says which; the list does not). */
export function restoreList(entries: readonly TocEntry[], leakproof: readonly string[] = []): RestoreList {
  const kept: string[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    const skippedAs = superuserOnly(entry) ?? leakproofFunction(entry, leakproof);
    if (skippedAs === null) kept.push(`${entry.dumpId}; ${entry.desc} ${entry.rest}`);
    else if (skippedAs) skipped.push(skippedAs);
  }
  return { text: `${kept.join('\n')}\n`, kept: kept.length, skipped };
}

/** null: restore it; a label: skipped and reported; '': skipped with an item already reported. */
function superuserOnly(entry: TocEntry): string | null {
  if (SUPERUSER_ONLY.includes(entry.desc)) {
    const name = nameOf(entry.rest);
    return name.startsWith(`${entry.desc} `) ? name : `${entry.desc} ${name}`; // "USER MAPPING app SERVER remote"
  }
  if (ABOUT_ANOTHER.has(entry.desc)) {
    const about = entry.rest.replace(/^- /, '');
    if (SUPERUSER_ONLY.some((desc) => about.startsWith(`${desc} `))) return '';
  }
  return null;
}

/** A LEAKPROOF function (skipped, named), or an item about one (skipped with it). */
function leakproofFunction(entry: TocEntry, leakproof: readonly string[]): string | null {
  const fn = leakproof.find((f) => (entry.desc === 'FUNCTION' && entry.rest.startsWith(`${f} `)) || (ABOUT_ANOTHER.has(entry.desc) && entry.rest.includes(` FUNCTION ${f.slice(f.indexOf(' ') + 1)} `)));
  if (!fn) return null;
  return entry.desc === 'FUNCTION' ? `FUNCTION ${nameOf(entry.rest)} (LEAKPROOF)` : '';
}

/** "<schema> <tag> <owner>" -> "schema.tag" ("-" schema left out); the owner is the last word. */
export function nameOf(rest: string): string {
  const words = rest.split(' ');
  const [schema, ...others] = words.length > 2 ? words.slice(0, -1) : words;
  const tag = others.join(' ');
  return schema === '-' || !tag ? tag || schema || '' : `${schema}.${tag}`;
}
