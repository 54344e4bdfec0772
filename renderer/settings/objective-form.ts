// A database's recovery objectives as the settings form holds them (the text of each field), back to the config
// file's shape, and put into words for the list. Durations stay as written ("15m"): the engine validates them.
import type { DatabaseObjectiveEdit } from '../../shared/api';
import type { DatabaseSummary } from '../../shared/databases';

/** The fields of one `databases:` entry, in the form's order; problems carry these paths. */
export const OBJECTIVE_FIELDS = ['name', 'server', 'rpo', 'rto', 'drillAge'] as const;
export type ObjectiveField = (typeof OBJECTIVE_FIELDS)[number];
export type ObjectiveForm = Record<ObjectiveField, string>;

/** What the config file says when drillAge is not set (shared/config.ts databaseObjectiveSchema). */
export const DEFAULT_DRILL_AGE = '8d';

/** The entry an objective is known by: its database on its server. */
export interface ObjectiveTarget {
  name: string;
  server: string;
}

export function objectiveTarget(objective: Record<string, unknown>): ObjectiveTarget {
  return { name: asText(objective.name), server: asText(objective.server) };
}

export function formFromObjective(objective: Record<string, unknown> | null): ObjectiveForm {
  return Object.fromEntries(OBJECTIVE_FIELDS.map((field) => [field, objective ? asText(objective[field]) : ''])) as ObjectiveForm;
}

/** The edit for saveDatabaseObjective; fields left empty are not set (the engine leaves them out of the file). */
export function objectiveEdit(form: ObjectiveForm, original: ObjectiveTarget | null): DatabaseObjectiveEdit {
  const objective = Object.fromEntries(OBJECTIVE_FIELDS.map((field) => [field, form[field].trim()]).filter(([, value]) => value !== ''));
  return original ? { objective, original } : { objective };
}

/**
 * The databases the form offers for `server` (a postgres source id): those the Databases view knows on it, by
 * name, sorted; with no server chosen yet, those of every server. A database no server watches (dumps of an
 * unlinked server, a whole cluster) cannot take objectives, so it is not offered.
 */
export function knownDatabaseNames(databases: readonly Pick<DatabaseSummary, 'name' | 'server'>[], server: string): string[] {
  const names = new Set<string>();
  for (const d of databases) if (d.name !== null && d.server !== null && (server === '' || d.server.id === server)) names.add(d.name);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** "RPO 15m · RTO not set · drill within 8d (default)". */
export function objectiveWords(objective: Record<string, unknown>): string {
  const rpo = asText(objective.rpo);
  const rto = asText(objective.rto);
  const drillAge = asText(objective.drillAge);
  return [`RPO ${rpo || 'not set'}`, `RTO ${rto || 'not set'}`, `drill within ${drillAge || `${DEFAULT_DRILL_AGE} (default)`}`].join(' · ');
}

/** A value as the file wrote it ("15m", or a number someone typed there); nothing as empty. */
function asText(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
