// The kinds of source, declared once, and what the dashboard needs to know of each: its name, whether it
// drills, which fields its config and form have, and how its form shows them. Each kind describes itself in
// shared/kinds/<kind>.ts as plain data (shared/kinds/kind-info.ts says of what); SOURCE_KIND_INFO is a record
// over the kinds, so a kind missing from it does not build, nor one whose fields and form disagree. Shared by
// the engine (shared/config.ts, shared/model.ts derive the kind from SOURCE_KINDS) and the renderer (words,
// the source form, which renders any kind from its description). What a kind does lives in
// electron/engine/sources/<kind>/.
import { barman } from './kinds/barman';
import { basebackup } from './kinds/basebackup';
import { borg } from './kinds/borg';
import { dumpDir } from './kinds/dump-dir';
import type { FormPaths, SourceKindInfo } from './kinds/kind-info';
import { pgbackrest } from './kinds/pgbackrest';
import { postgres } from './kinds/postgres';
import { restic } from './kinds/restic';

export { DRILL_FIELDS, DRILL_RECOVERY_CHOICES, REMOTE_FIELDS } from './kinds/kind-info';
export type { DrillField, FormField, FormSection, KeychainFormField, SourceKindInfo } from './kinds/kind-info';

/** Every kind, in the order the settings page offers them. */
export const SOURCE_KINDS = ['postgres', 'dump-dir', 'restic', 'borg', 'pgbackrest', 'basebackup', 'barman'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export function isSourceKind(value: unknown): value is SourceKind {
  return (SOURCE_KINDS as readonly unknown[]).includes(value);
}

export const SOURCE_KIND_INFO = { postgres, 'dump-dir': dumpDir, restic, borg, pgbackrest, basebackup, barman } as const satisfies { [K in SourceKind]: SourceKindInfo };

/** Every text field some kind's form edits. */
export type SourceTextField = (typeof SOURCE_KIND_INFO)[SourceKind]['fields'][number];

/**
 * A kind's fields its form does not edit, or form fields not among its fields: never, or the build fails
 * naming them ("Type '"settle"' does not satisfy the constraint 'never'"). `fields` keeps its own order, the
 * order a saved source writes its keys in the config file, so it is checked against the form, not derived.
 */
type FieldsOffForm<K extends SourceKind> =
  | Exclude<(typeof SOURCE_KIND_INFO)[K]['fields'][number], FormPaths<(typeof SOURCE_KIND_INFO)[K]['form']>>
  | Exclude<FormPaths<(typeof SOURCE_KIND_INFO)[K]['form']>, (typeof SOURCE_KIND_INFO)[K]['fields'][number]>;
type MustBeNone<T extends never> = T;
export type FormsMatchFields = MustBeNone<{ [K in SourceKind]: FieldsOffForm<K> }[SourceKind]>;
