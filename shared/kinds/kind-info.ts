// What every kind's description (shared/kinds/<kind>.ts) is made of: its names, its fields in the config file,
// its drill fields and its form, as plain data (no React, no DOM, no Node) that the settings form renders
// (renderer/components/settings/SourceFields.tsx) without knowing any one kind.

/** Where a store's tools run: this machine, or a host over ssh. */
export const REMOTE_FIELDS = ['host', 'sshOptions'] as const;
/** Every drill field the form knows. */
export const DRILL_FIELDS = ['every', 'maxAge', 'jobs', 'compareTo', 'tolerance', 'timeout', 'readDataSubset', 'minTables', 'minRows', 'recovery'] as const;
export type DrillField = (typeof DRILL_FIELDS)[number];
/** The drill fields of a dump restore: all but restic's readDataSubset and a physical restore's recovery. */
export const DUMP_DRILL_FIELDS = DRILL_FIELDS.filter((f) => f !== 'readDataSubset' && f !== 'recovery');
/** How far a physical drill replays WAL (drill.recovery), the choices the form offers. */
export const DRILL_RECOVERY_CHOICES = ['end-of-archive', 'backup-end'] as const;

/** The words the form shows with a field. */
interface FieldWords {
  label: string;
  /** Shown under the field, as plain text. */
  hint?: string;
}

/**
 * A field edited as text, by its path in the source ("url"). A field the API may not set
 * (shared/api-edit-rules.ts CONFIG_FILE_ONLY_FIELDS) is shown read-only, with why; its placeholder is unused.
 */
export interface TextFormField extends FieldWords {
  path: string;
  placeholder?: string;
  /** A textarea, one item per line. */
  multiline?: boolean;
}

/** A field naming one of the postgres sources (database: links a store to the server it backs up). */
export interface PostgresSourceFormField extends FieldWords {
  path: string;
  choose: 'postgres source';
  /** The choice of none. */
  none: string;
}

/**
 * The desktop app's keychain, which the config file only names: a password for it to keep (shown only where
 * the transport can keep one), or the checkbox that a source uses the one it keeps (shown while it does).
 */
export interface KeychainFormField extends FieldWords {
  keychain: 'password' | 'passwordStored';
}

export type FormField = TextFormField | PostgresSourceFormField | KeychainFormField;

/** A fieldset of the kind's own fields. */
export interface FieldsFormSection {
  legend: string;
  fields: readonly FormField[];
}

/** The "On another machine" fieldset (REMOTE_FIELDS), with what happens on that host for this kind. */
export interface RemoteFormSection {
  remote: string;
}

export type FormSection = FieldsFormSection | RemoteFormSection;

export interface SourceKindInfo {
  /** What the kind is, in a few words ("restic repository"). */
  label: string;
  /** What it is when its backups are in a bucket (`url: s3://…`), for a kind that may keep them there. */
  bucketLabel?: string;
  /** The form's name for it ("Add a directory of pg_dump files"). */
  formLabel: string;
  /**
   * Its fields in the config file besides id, name, interval and timeout, in the order a saved source writes
   * them; exactly the paths its form sections edit (shared/source-kinds.ts checks it, or nothing builds).
   */
  fields: readonly string[];
  /** Its drill section's fields; null for a kind that does not drill. */
  drillFields: readonly DrillField[] | null;
  /** Its form between the common fields and polling, in order; a kind that drills has the drill section after. */
  form: readonly FormSection[];
}

/** The config paths a kind's form sections edit (the keychain's fields are not in the config file). */
export type FormPaths<S extends readonly FormSection[]> =
  S[number] extends infer Section
    ? Section extends { fields: readonly (infer Field)[] }
      ? Field extends { path: infer Path }
        ? Path
        : never
      : Section extends RemoteFormSection
        ? (typeof REMOTE_FIELDS)[number]
        : never
    : never;
