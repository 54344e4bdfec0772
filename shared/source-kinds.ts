// The kinds of source, declared once, and what the dashboard needs to know of each: its name, whether it
// drills, and which fields its form edits. Shared by the engine (shared/config.ts, shared/model.ts derive the
// kind from SOURCE_KINDS) and the renderer (words, the source form); SOURCE_KIND_INFO is a record over the
// kinds, so a kind missing from it does not build. What a kind does lives in electron/engine/sources/<kind>/.

/** Every kind, in the order the settings page offers them. */
export const SOURCE_KINDS = ['postgres', 'dump-dir', 'restic', 'borg', 'pgbackrest'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export function isSourceKind(value: unknown): value is SourceKind {
  return (SOURCE_KINDS as readonly unknown[]).includes(value);
}

/** Where a store's tools run: this machine, or a host over ssh. */
export const REMOTE_FIELDS = ['host', 'sshOptions'] as const;
/** Every drill field the form knows. */
export const DRILL_FIELDS = ['every', 'maxAge', 'jobs', 'compareTo', 'tolerance', 'timeout', 'readDataSubset', 'minTables', 'minRows'] as const;
export type DrillField = (typeof DRILL_FIELDS)[number];
/** The drill fields of a dump restore: all but restic's readDataSubset. */
const DUMP_DRILL_FIELDS = DRILL_FIELDS.filter((f) => f !== 'readDataSubset');

export interface SourceKindInfo {
  /** What the kind is, in a few words ("restic repository"). */
  label: string;
  /** The form's name for it ("Add a directory of pg_dump files"). */
  formLabel: string;
  /** Its fields in the config file besides id, name, interval and timeout, in the form's order. */
  fields: readonly string[];
  /** Its drill section's fields; null for a kind that does not drill. */
  drillFields: readonly DrillField[] | null;
}

export const SOURCE_KIND_INFO = {
  postgres: {
    label: 'PostgreSQL server',
    formLabel: 'PostgreSQL server',
    fields: ['url', 'passwordEnv', 'passwordFile', 'maxArchiveAge', 'maxReplicationLag', 'standbys', 'coverageIgnore'],
    drillFields: null,
  },
  'dump-dir': {
    label: 'pg_dump directory',
    formLabel: 'Directory of pg_dump files',
    fields: ['path', 'pattern', 'maxAge', 'minSize', 'database', 'settle', 'dbname', ...REMOTE_FIELDS],
    drillFields: DUMP_DRILL_FIELDS,
  },
  restic: {
    label: 'restic repository',
    formLabel: 'restic repository',
    fields: ['repo', 'passwordEnv', 'passwordFile', 'snapshotHost', 'snapshotPath', 'snapshotTag', 'maxAge', 'minSize', 'database', 'dbname', ...REMOTE_FIELDS],
    drillFields: DRILL_FIELDS,
  },
  borg: {
    label: 'Borg repository',
    formLabel: 'Borg repository',
    fields: ['repo', 'passwordEnv', 'passwordFile', 'pattern', 'maxAge', 'minSize', 'database', 'dbname', ...REMOTE_FIELDS],
    drillFields: DUMP_DRILL_FIELDS,
  },
  pgbackrest: {
    label: 'pgBackRest stanza',
    formLabel: 'pgBackRest stanza',
    fields: ['stanza', 'configPath', 'repo', 'maxAge', 'maxFullAge', 'minSize', 'database', ...REMOTE_FIELDS],
    // A physical restore has no pg_restore -j and compares nothing live.
    drillFields: ['every', 'maxAge', 'timeout', 'minTables', 'minRows'],
  },
} as const satisfies { [K in SourceKind]: SourceKindInfo };

/** Every text field some kind's form edits. */
export type SourceTextField = (typeof SOURCE_KIND_INFO)[SourceKind]['fields'][number];
