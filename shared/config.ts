// The config file's schema: the contract between the user, the engine and the settings page.
// Durations and sizes are written as text ("26h", "1MB") and come out of parsing as numbers (ms, bytes).
import { z } from 'zod';
import { buildAlertsSchema } from './alerts-config';
import { repoDashProblem } from './repo-hosts';
import { SOURCE_KINDS, type SourceKind } from './source-kinds';
import { DURATION_HINT, DURATION_RANGES, SIZE_HINT, durationRangeProblem, parseDuration, parsePercent, parseSize, type DurationRange } from './units';

/**
 * A value written as text with a unit ("26h", "1MB", "5%"). Any input reaches the check, so a wrong type is
 * told as such ("expected a duration like 26h, found true"), never as zod's bare "Invalid input".
 */
function unitField(parse: (text: string) => number | null, what: string, example: string, hint: string, check?: (value: number, text: string) => string | null) {
  return z.custom<string | number>(() => true).transform((input, ctx) => {
    if (typeof input !== 'string') {
      const tip = typeof input === 'number' ? ` (write it with its unit: ${hint.replace(/^use /, '')})` : '';
      ctx.addIssue({ code: 'custom', message: `expected ${what} like ${example}, found ${describeFound(input)}${tip}` });
      return z.NEVER;
    }
    const value = parse(input);
    if (value === null) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} is not ${what} (${hint})` });
      return z.NEVER;
    }
    const problem = check?.(value, input);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return value;
  });
}

/**
 * A duration within `range` (shared/units.ts DURATION_RANGES): `config check`, the settings page and the engine
 * refuse the same values with the same message. `why` follows a value below the floor.
 */
export const duration = (range: DurationRange, why?: string) =>
  unitField(parseDuration, 'a duration', '26h', DURATION_HINT, (ms, text) => {
    const problem = durationRangeProblem(ms, range, text);
    return problem && why && ms < range.min ? `${problem}: ${why}` : problem;
  });
export const size = () => unitField(parseSize, 'a size', '5GB', SIZE_HINT);
export const percent = () => unitField(parsePercent, 'a percentage', '5%', 'use 5%');

const interval = () => duration(DURATION_RANGES.interval);
const timeout = () => duration(DURATION_RANGES.timeout);
const age = () => duration(DURATION_RANGES.age);

const sourceId = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and dashes, like orders-db');

const commonSourceFields = {
  id: sourceId,
  name: z.string().min(1).optional(),
  /** How often to poll this source; defaults.interval when absent. */
  interval: interval().optional(),
  /** How long one probe may take before it is abandoned; defaults.timeout when absent. */
  timeout: timeout().optional(),
};

const postgresUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (use postgres://user@host:5432/dbname)' });
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    ctx.addIssue({ code: 'custom', message: `must start with postgres:// (got ${url.protocol}//)` });
  }
  // Never echo the password back: the message must be safe to log.
  if (url.password) {
    ctx.addIssue({
      code: 'custom',
      message: 'contains a password; remove it from the URL and use passwordEnv, passwordFile or ~/.pgpass',
    });
  }
});

const passwordFields = {
  /** Name of an environment variable holding the password. */
  passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
  /** A file holding only the password; must not be readable by group or others (chmod 600). */
  passwordFile: z.string().min(1).optional(),
  /**
   * The desktop app keeps this source's password in the OS keychain (its settings page sets this when a
   * password is entered there). The CLI and `serve` cannot read it.
   */
  passwordStored: z.literal(true).optional(),
};

export const postgresSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('postgres'),
  url: postgresUrl,
  ...passwordFields,
  maxArchiveAge: age().optional(),
  maxReplicationLag: age().optional(),
  /** application_name of every standby that must be streaming from this server. */
  standbys: z.array(z.string().min(1)).optional(),
  /** Databases the coverage rule does not ask a backup for; defaults to ["postgres"]. */
  coverageIgnore: z.array(z.string()).optional(),
});

export const drillCheckSchema = z.strictObject({
  name: z.string().min(1).optional(),
  /** Must return one row holding true; run in the restored database. */
  sql: z.string().min(1),
});

/** Restore drills of a source's backups into a throwaway PostgreSQL. */
export const drillSchema = z.strictObject({
  /** Run a drill this often; omit for manual drills only. */
  every: interval().optional(),
  /** Warning when no passing drill is newer than this. */
  maxAge: age().optional(),
  /** pg_restore -j. */
  jobs: z.number().int().min(1).max(64).default(2),
  checks: z.array(drillCheckSchema).default([]),
  /** id of a postgres source: restored row counts must be within `tolerance` of its live counts. */
  compareTo: sourceId.optional(),
  tolerance: percent().default(0.05),
  /** A drill restoring fewer rows than this (all tables together) fails; without it, all-empty tables only warn. */
  minRows: z.number().int().min(1).optional(),
  /** A drill restoring fewer tables than this fails. */
  minTables: z.number().int().min(1).optional(),
  /** A drill taking longer is stopped and recorded as an error. */
  timeout: timeout().default(6 * 3_600_000),
});

/** How far a physical drill replays WAL: to the end of the archive, or only to where the backup became consistent. */
export const DRILL_RECOVERY_TARGETS = ['end-of-archive', 'backup-end'] as const;
export type DrillRecoveryTarget = (typeof DRILL_RECOVERY_TARGETS)[number];

const drillRecovery = z.custom<DrillRecoveryTarget>().superRefine((value, ctx) => {
  if (!(DRILL_RECOVERY_TARGETS as readonly unknown[]).includes(value)) {
    ctx.addIssue({ code: 'custom', message: `must be end-of-archive (replay every archived WAL segment) or backup-end (stop where the backup became consistent), not ${describeFound(value)}` });
  }
});

/**
 * A physical restore's drill (pgBackRest, base backups): no pg_restore -j and nothing compared live (yet), so
 * those keys are refused, never ignored; `recovery` says how far it replays WAL, with the kind's default.
 */
const physicalDrillSchema = (recovery: DrillRecoveryTarget) =>
  drillSchema.omit({ jobs: true, compareTo: true, tolerance: true }).extend({ recovery: drillRecovery.default(recovery) });

/** `user@backup1` or `backup1` (an ssh config alias works too); a port goes in sshOptions (`Port=2222`). */
const sshHost = z
  .string()
  .regex(/^(?:[A-Za-z0-9_][A-Za-z0-9._-]*@)?[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'must be a host name or user@host, like backup@backup1 (a port goes in sshOptions: ["Port=2222"])');

/** One ssh `-o` option, `Key=Value` (ssh_config(5)). BatchMode is always on: a background app cannot answer a prompt. */
const sshOption = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*=[^\s-][^\0-\x1f\x7f]*$/, 'must be an ssh option written Key=Value on one line, like Port=2222 or IdentityFile=~/.ssh/backup_ed25519 (ssh_config(5))')
  .refine((option) => !/^BatchMode=/i.test(option), 'BatchMode cannot be changed: Backup Health runs ssh unattended and can never answer a password or passphrase prompt (use ssh-agent or an unencrypted key)');

const repoField = (kind: 'restic' | 'borg') =>
  z
    .string()
    .min(1)
    .superRefine((repo, ctx) => {
      const problem = repoDashProblem(kind, repo);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Where the source lives when it is not this machine: its commands run there over ssh. */
const remoteFields = {
  host: sshHost.optional(),
  /**
   * Extra ssh options (`ssh -o Key=Value`), after your ~/.ssh/config: Port, IdentityFile, UserKnownHostsFile, …
   * The file may hold any; the dashboard only sets inert ones (shared/ssh-options.ts) and keeps the others.
   */
  sshOptions: z.array(sshOption).optional(),
};

/**
 * Where dumps in object storage are: `s3://bucket/prefix/`. The prefix is a folder: `s3://b/orders` and
 * `s3://b/orders/` both watch the objects under `orders/`. Credentials never go here (the SDK's chain has them).
 */
const s3Url = z.string().superRefine((text, ctx) => {
  const problem = s3UrlProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** What is wrong with an s3:// URL, or null; never echoes the text (it might hold a key). */
export function s3UrlProblem(text: string): string | null {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/.exec(text);
  if (!match) return /^s3:\/\//.test(text) ? 'must be s3://bucket/prefix/, without ? or #' : 'must start with s3:// (like s3://backups/orders/); a local directory goes in path';
  const bucket = match[1]!;
  if (bucket.includes('@') || bucket.includes(':')) return 'holds credentials or a port; write s3://bucket/prefix/ and give the credentials through the AWS SDK (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, ~/.aws/credentials, or profile), a port through endpoint';
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(bucket)) return 'must name a bucket after s3:// (3 to 63 lowercase letters, digits, dots and dashes), like s3://backups/orders/';
  return null;
}

/** A custom S3-compatible service: https://s3.example.com (or http:// for one on a trusted network). */
const s3Endpoint = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (use https://s3.example.com, the address of the S3-compatible service)' });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `must start with https:// or http:// (got ${url.protocol}//)` });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'holds credentials; remove them and give them through the AWS SDK (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, ~/.aws/credentials, or profile)' });
  else if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must be the address of the service only, without ? or #' });
});

export const dumpDirSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('dump-dir'),
  /** The directory the dumps are written to; or `url`, for dumps in a bucket. */
  path: z.string().min(1).optional(),
  /** s3://bucket/prefix/: dumps in an S3-compatible bucket, instead of path. */
  url: s3Url.optional(),
  /** With url: the S3-compatible service (MinIO, Ceph, Backblaze, Wasabi…); AWS when absent. Path-style addressing. */
  endpoint: s3Endpoint.optional(),
  /** With url: the bucket's region; else the profile's or AWS_REGION, else us-east-1. */
  region: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be a region name, like eu-central-1').optional(),
  /** With url: a profile of the shared AWS config (~/.aws/config, ~/.aws/credentials) to take credentials and region from. */
  profile: z.string().regex(/^[A-Za-z0-9_.+=@-]+$/, 'must be a profile name of ~/.aws/config, like backup-reader').optional(),
  /** Glob matched against file and directory names in `path`; directory-format dumps are directories. */
  pattern: z.string().min(1).default('*'),
  maxAge: age().optional(),
  minSize: size().optional(),
  /** id of the postgres source these dumps come from. */
  database: sourceId.optional(),
  /**
   * A file changed more recently than this is still being written: it is counted as in progress and judged
   * once it settles, so a half-written dump is neither flagged as too small nor stored as a backup.
   */
  settle: duration(DURATION_RANGES.settle).default(60_000),
  /** Name of the database these dumps hold, when the dump headers cannot tell (plain SQL without a header). */
  dbname: z.string().min(1).optional(),
  drill: drillSchema.optional(),
  ...remoteFields,
});

/** A restic drill also runs `restic check --read-data-subset`: how much of the pack data to read back. */
export const resticDrillSchema = drillSchema.extend({
  readDataSubset: z
    .string()
    .regex(/^(?:\d{1,3}(?:\.\d+)?%|\d+\/\d+|\d+(?:\.\d+)?[KMGT]?)$/i, 'must be a percentage like 5%, n/t like 1/10, or a size like 500M (restic check --read-data-subset)')
    .default('1%'),
});

export const resticSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('restic'),
  /** A local path or any repository URL restic takes (-r): sftp:, s3:, rest:, b2:, … */
  repo: repoField('restic'),
  /** Exactly one of these holds the repository password; it reaches restic only through its environment. */
  passwordEnv: passwordFields.passwordEnv,
  passwordFile: passwordFields.passwordFile,
  /** The PEM file of a private CA that signed the repository server's certificate (restic --cacert): s3:https://…, rest:https://… */
  cacert: z.string().min(1).optional(),
  /** Only snapshots of this host (restic --host); `host` is the machine restic runs on (ssh). */
  snapshotHost: z.string().min(1).optional(),
  /** Only snapshots of this path (restic --path). */
  snapshotPath: z.string().min(1).optional(),
  /** Only snapshots with these tags (restic --tag a,b). */
  snapshotTag: z.string().min(1).optional(),
  maxAge: age().optional(),
  minSize: size().optional(),
  /** id of the postgres source whose dumps the snapshots hold (coverage, drills). */
  database: sourceId.optional(),
  /** Name of the database the dumps in it hold, when their headers cannot tell (plain SQL without --create). */
  dbname: z.string().min(1).optional(),
  drill: resticDrillSchema.optional(),
  ...remoteFields,
});

/** A borg repository: every archive (matching `pattern`) is a backup. */
export const borgSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('borg'),
  /** A path or a borg repository URL (ssh://user@host/./repo); what you would pass to `borg list`. */
  repo: repoField('borg'),
  /** The passphrase, when the repository is encrypted; it reaches borg only through its environment. */
  passwordEnv: passwordFields.passwordEnv,
  passwordFile: passwordFields.passwordFile,
  /** Only archives whose names match this glob (borg --glob-archives), e.g. "orders-*". */
  pattern: z.string().min(1).optional(),
  maxAge: age().optional(),
  minSize: size().optional(),
  /** id of the postgres source whose dumps the archives hold (coverage, drills). */
  database: sourceId.optional(),
  /** Name of the database the dumps in it hold, when their headers cannot tell (plain SQL without --create). */
  dbname: z.string().min(1).optional(),
  drill: drillSchema.optional(),
  ...remoteFields,
});

/** A pgBackRest stanza, read with `pgbackrest info` here or on `host`: every backup set (full, diff, incr) is a backup. */
export const pgbackrestSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('pgbackrest'),
  /** The stanza (pgbackrest --stanza). */
  stanza: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a pgBackRest stanza name (letters, digits, _ . -)'),
  /** pgbackrest --config, when it is not /etc/pgbackrest/pgbackrest.conf. */
  configPath: z.string().min(1).optional(),
  /** Only this repository (pgbackrest --repo), when the stanza has several. */
  repo: z.number().int().min(1).max(256).optional(),
  /** Critical when the newest backup of any type is older. */
  maxAge: age().optional(),
  /** Critical when the newest full backup is older. */
  maxFullAge: age().optional(),
  /** Critical when the newest full backup added less than this to the repository. */
  minSize: size().optional(),
  /** id of the postgres source this stanza backs up. */
  database: sourceId.optional(),
  /** Warning when the newest WAL segment in the stanza's archive is older (offline-tolerant, like maxAge). */
  maxArchiveAge: age().optional(),
  /** Critical when a drill's measured recovery point is further behind its start than this. */
  maxRecoveryPoint: age().optional(),
  drill: physicalDrillSchema('backup-end').optional(),
  ...remoteFields,
});

/**
 * A directory of pg_basebackup runs (one directory each, plain or tar format) and the WAL archive that
 * archive_command copies into: every base backup is a backup, and the archive is checked for continuity.
 */
export const basebackupSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('basebackup'),
  /** The directory holding one directory per pg_basebackup run. */
  path: z.string().min(1),
  /** The directory archive_command copies WAL segments into (plain, .gz or .zst). */
  walArchive: z.string().min(1),
  /** Critical when the newest base backup is older. */
  maxAge: age().optional(),
  /** Critical when the newest base backup is smaller. */
  minSize: size().optional(),
  /** Warning when no archived segment is newer than this (offline-tolerant, like maxAge). */
  maxArchiveAge: age().optional(),
  /** Critical when a drill's measured recovery point is further behind its start than this. */
  maxRecoveryPoint: age().optional(),
  /** id of the postgres source these base backups are taken of. */
  database: sourceId.optional(),
  drill: physicalDrillSchema('end-of-archive').optional(),
  ...remoteFields,
});

/**
 * A Barman server, read with `barman -f json` (list-backups, show-backup, check, status) here or on `host`:
 * every backup is a backup, and Barman's own WAL listing (xlog.db) is checked for continuity.
 */
export const barmanSourceSchema = z.strictObject({
  ...commonSourceFields,
  kind: z.literal('barman'),
  /** The server's name in Barman's configuration (its [section]). */
  server: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a Barman server name (letters, digits, - _ .), as in the [section] of its configuration').refine((name) => !name.startsWith('-'), 'must be a Barman server name, not an option (it cannot start with -)'),
  /** barman -c, when it is not /etc/barman.conf. */
  configPath: z.string().min(1).optional(),
  /** Critical when the newest DONE backup is older. */
  maxAge: age().optional(),
  /** Critical when the newest DONE backup is smaller. */
  minSize: size().optional(),
  /** Warning when no WAL file in Barman's archive is newer than this (offline-tolerant, like maxAge). */
  maxArchiveAge: age().optional(),
  /** Critical when a drill's measured recovery point is further behind its start than this. */
  maxRecoveryPoint: age().optional(),
  /** Warning when a backup has been WAITING_FOR_WALS longer than this (default 1h). */
  maxWaitingForWals: age().optional(),
  /** id of the postgres source this Barman server backs up. */
  database: sourceId.optional(),
  drill: physicalDrillSchema('end-of-archive').optional(),
  ...remoteFields,
});

export const sourceSchema = z.discriminatedUnion('kind', [postgresSourceSchema, dumpDirSourceSchema, resticSourceSchema, borgSourceSchema, pgbackrestSourceSchema, basebackupSourceSchema, barmanSourceSchema]);

const DAY_MS = 86_400_000;

export const defaultsSchema = z.strictObject({
  interval: interval().default(5 * 60_000),
  timeout: timeout().default(30_000),
  /** Probes running at once. */
  concurrency: z.number().int().min(1).max(64).default(4),
  maxAge: age().default(26 * 3_600_000),
  maxArchiveAge: age().default(15 * 60_000),
  maxReplicationLag: age().default(5 * 60_000),
  /** Failed polls in a row after which an unobservable source turns from unknown to critical. */
  failuresBeforeCritical: z.number().int().min(1).default(5),
  /** Restore drills running at once (they are heavy: a PostgreSQL each). */
  drillConcurrency: z.number().int().min(1).max(16).default(1),
  /** Directory of the PostgreSQL binaries drills use first (initdb, postgres, pg_restore, psql). */
  postgresBin: z.string().min(1).optional(),
  /** Where drills create their throwaway clusters (default: the system temp dir). */
  drillDir: z.string().min(1).optional(),
  /**
   * Untrusted extensions drills may create when a dump asks for one, besides the built-in list of harmless
   * contrib modules (drill-roles.ts). Never dblink, postgres_fdw, file_fdw, adminpack or untrusted languages.
   */
  drillExtensions: z.array(z.string().regex(/^[a-z0-9_]+$/, 'an extension name: lowercase letters, digits, _')).default([]),
  /**
   * Physical drills (pgBackRest) start the backup's own catalog, which may bind C functions to any library
   * installed here; without an OS sandbox (bubblewrap) they are refused unless this is true.
   */
  physicalDrillsWithoutSandbox: z.boolean().default(false),
  /**
   * Polls younger than this are kept as recorded; older ones are thinned to each hour's extremes and failures.
   * At least 31 days, so the 30-day charts always show every poll.
   */
  keepRawPolls: duration(DURATION_RANGES.keepRawPolls, 'the 30-day charts show every poll, and older polls are thinned to hourly highs and lows')
    .default(35 * DAY_MS),
});

/**
 * Recovery objectives of one database (issue 15): at least one routine that covers it must have proved, by a
 * passing restore drill no older than `drillAge`, a recovery point within `rpo` and a restore within `rto`.
 */
export const databaseObjectiveSchema = z.strictObject({
  /** The database's name on its server, as PostgreSQL names it. */
  name: z.string().min(1).max(63),
  /** The id of the postgres source watching its server. */
  server: sourceId,
  /** The most data one may lose: the best recovery point a drill proved must be within this. */
  rpo: age().optional(),
  /** The longest a restore may take: a drill that proved the recovery point must have restored within this. */
  rto: age().optional(),
  /** How old that drill may be; 8d when absent (a weekly drill and a day's slack). */
  drillAge: age().default(8 * DAY_MS),
});

export const configSchema = z
  .strictObject({
    defaults: defaultsSchema.default(() => defaultsSchema.parse({})),
    sources: z.array(sourceSchema).default([]),
    /** Where alerts go, and the heartbeat (shared/alerts-config.ts). */
    alerts: buildAlertsSchema({ duration, passwordEnv: passwordFields.passwordEnv, passwordFile: passwordFields.passwordFile }).optional(),
    /** Recovery objectives per database (electron/engine/databases/). */
    databases: z.array(databaseObjectiveSchema).default([]),
  })
  // Cross-source checks run even when some field failed, so one pass reports every problem: the values
  // here may still be raw input, hence the defensive reads.
  .superRefine(
    (config, ctx) => {
      const sources: unknown[] = Array.isArray(config.sources) ? config.sources : [];
      checkLinks(sources, ctx);
      if (Array.isArray(config.databases)) checkDatabaseLinks(sources, config.databases as unknown[], ctx);
    },
    {
      when: (payload) => {
        const value = payload.value as { sources?: unknown; databases?: unknown } | undefined;
        return Array.isArray(value?.sources) || Array.isArray(value?.databases);
      },
    },
  );

/** Each database names a postgres source as its server, once per server. */
function checkDatabaseLinks(sources: unknown[], databases: unknown[], ctx: z.RefinementCtx): void {
  const kinds = new Map<string, string>();
  for (const s of sources) if (typeof s === 'object' && s !== null && typeof (s as LooseSource).id === 'string') kinds.set((s as { id: string }).id, String((s as LooseSource).kind));
  const seen = new Set<string>();
  databases.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null) return;
    const { name, server } = entry as { name?: unknown; server?: unknown };
    if (typeof server === 'string') {
      const kind = kinds.get(server);
      if (kind === undefined) ctx.addIssue({ code: 'custom', path: ['databases', i, 'server'], message: `"${server}" is not a source id: name the postgres source that watches the database's server` });
      else if (kind !== 'postgres') ctx.addIssue({ code: 'custom', path: ['databases', i, 'server'], message: `"${server}" is a ${kind} source; a database's server is the postgres source that watches it` });
    }
    if (typeof name === 'string' && typeof server === 'string') {
      const key = `${server}\u0000${name}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['databases', i, 'name'], message: `${name} on ${server} has objectives twice; keep one entry` });
      seen.add(key);
    }
  });
}

type LooseSource = { id?: unknown; kind?: unknown; passwordEnv?: unknown; passwordFile?: unknown; passwordStored?: unknown; database?: unknown; drill?: { compareTo?: unknown }; host?: unknown; sshOptions?: unknown; repo?: unknown; cacert?: unknown; path?: unknown; url?: unknown; endpoint?: unknown; region?: unknown; profile?: unknown };

/** A dump-dir is a directory (path, here or on host) or a bucket (url, with its endpoint, region and profile). */
function checkDumpDirPlace(source: LooseSource, i: number, ctx: z.RefinementCtx): void {
  const at = (key: string) => ['sources', i, key];
  if (source.path === undefined && source.url === undefined) {
    ctx.addIssue({ code: 'custom', path: at('path'), message: 'is required: set path to the directory the dumps are written to, or url to the bucket they are copied to (s3://bucket/prefix/)' });
  } else if (source.path !== undefined && source.url !== undefined) {
    ctx.addIssue({ code: 'custom', path: at('url'), message: 'set path (a directory) or url (a bucket), not both; watch the other copy with a second source' });
  }
  for (const key of ['endpoint', 'region', 'profile'] as const) {
    if (source[key] !== undefined && source.url === undefined) ctx.addIssue({ code: 'custom', path: at(key), message: `is for dumps in object storage: set url too (s3://bucket/prefix/), or remove ${key}` });
  }
  if (source.url !== undefined) {
    for (const key of ['host', 'sshOptions'] as const) {
      if (source[key] !== undefined) ctx.addIssue({ code: 'custom', path: at(key), message: `is for a directory on another machine; a bucket (url) is read from here, over HTTPS: remove ${key}` });
    }
  }
}

function checkLinks(sources: unknown[], ctx: z.RefinementCtx): void {
  const entries = sources.map((s) => (typeof s === 'object' && s !== null ? (s as LooseSource) : {}));
  const kinds = new Map<string, string>();
  entries.forEach((source, i) => {
    if (typeof source.id !== 'string') return;
    if (kinds.has(source.id)) {
      ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `"${source.id}" is used by another source; ids must be unique` });
    }
    kinds.set(source.id, String(source.kind));
  });
  const linkProblem = (target: string, what: string) => {
    const kind = kinds.get(target);
    if (kind === undefined) return what === 'database' ? `links to "${target}", but no source has that id` : `"${target}" is not a source id`;
    if (kind !== 'postgres') return what === 'database' ? `links to "${target}", which is a ${kind} source, not a postgres one` : `"${target}" is a ${kind} source; compareTo needs a postgres one`;
    return null;
  };
  entries.forEach((source, i) => {
    if (source.passwordEnv && source.passwordFile) {
      ctx.addIssue({ code: 'custom', path: ['sources', i, 'passwordFile'], message: 'set passwordEnv or passwordFile, not both' });
    }
    if (source.passwordStored && (source.passwordEnv || source.passwordFile)) {
      const other = source.passwordEnv ? 'passwordEnv' : 'passwordFile';
      ctx.addIssue({
        code: 'custom',
        path: ['sources', i, 'passwordStored'],
        message: `the desktop app keeps this source's password (passwordStored), and ${other} is set too; keep one of them`,
      });
    }
    if (source.kind === 'restic' && !source.passwordEnv && !source.passwordFile) {
      ctx.addIssue({ code: 'custom', path: ['sources', i, 'passwordFile'], message: 'a restic repository needs its password: set passwordFile (chmod 600) or passwordEnv' });
    }
    if (source.kind === 'restic' && source.cacert !== undefined && typeof source.repo === 'string' && !/^(?:s3|rest|swift|b2|azure|gs):/i.test(source.repo)) {
      ctx.addIssue({ code: 'custom', path: ['sources', i, 'cacert'], message: 'cacert is for a repository restic reaches over https (s3:https://…, rest:https://…); remove it, or check repo' });
    }
    if (source.kind === 'dump-dir') checkDumpDirPlace(source, i, ctx);
    if (source.sshOptions !== undefined && source.host === undefined && !(source.kind === 'dump-dir' && source.url !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['sources', i, 'sshOptions'], message: 'sshOptions are for a source on another machine: set host too (user@backup1)' });
    }
    // Every kind but postgres may link to a postgres source (database:, drill.compareTo); a new kind is checked too.
    if (source.kind === 'postgres') return;
    const compareTo = source.drill?.compareTo;
    const compareProblem = typeof compareTo === 'string' ? linkProblem(compareTo, 'compareTo') : null;
    if (compareProblem) ctx.addIssue({ code: 'custom', path: ['sources', i, 'drill', 'compareTo'], message: compareProblem });
    const databaseProblem = typeof source.database === 'string' ? linkProblem(source.database, 'database') : null;
    if (databaseProblem) ctx.addIssue({ code: 'custom', path: ['sources', i, 'database'], message: databaseProblem });
  });
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type Defaults = Config['defaults'];
export type DatabaseObjective = z.output<typeof databaseObjectiveSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type PostgresSourceConfig = z.output<typeof postgresSourceSchema>;
export type DumpDirSourceConfig = z.output<typeof dumpDirSourceSchema>;
export type DrillConfig = z.output<typeof drillSchema>;

/** Where a dump-dir's dumps are, safe to print: s3://bucket/prefix/, /backups on backup1, or /backups. */
export function dumpDirPlace(source: Pick<DumpDirSourceConfig, 'path' | 'url' | 'host'>): string {
  if (source.url !== undefined) return source.url;
  return source.host ? `${source.path ?? ''} on ${source.host}` : (source.path ?? '');
}
export type BorgSourceConfig = z.output<typeof borgSourceSchema>;
export type PgBackRestSourceConfig = z.output<typeof pgbackrestSourceSchema>;
export type BaseBackupSourceConfig = z.output<typeof basebackupSourceSchema>;
export type BarmanSourceConfig = z.output<typeof barmanSourceSchema>;
export type ResticSourceConfig = z.output<typeof resticSourceSchema>;

export interface ConfigProblem {
  /** e.g. "sources[1].maxAge" ("" for the whole file) */
  path: string;
  message: string;
}

/** ["sources", 1, "maxAge"] -> "sources[1].maxAge" */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out ? `${out}.${String(part)}` : String(part);
  }, '');
}

export type ParsedConfig = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** Validate already-parsed YAML/JSON. Every problem is reported, not just the first. */
export function validateConfig(raw: unknown): ParsedConfig {
  const result = configSchema.safeParse(withEmptySections(raw ?? {}), { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: result.error.issues.flatMap((issue) => describeIssue(issue)) };
}

/** `defaults:`, `sources:` or `databases:` with every line under it commented out is YAML null: read it as an empty section. */
const EMPTYABLE_SECTIONS = new Set(['defaults', 'sources', 'databases']);
function withEmptySections(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key, value]) => !(value === null && EMPTYABLE_SECTIONS.has(key))));
}

/**
 * Every message says what the field takes and what was found there ("expected text, found the number 12"),
 * except for fields that may hold a secret, whose value is never echoed.
 */
function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = formatPath(issue.path);
  const input = (issue as { input?: unknown }).input;
  const found = () => describeFound(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: CREDENTIAL_KEY.test(key.replace(/[-_]/g, '')) ? CREDENTIAL_KEY_MESSAGE : `unknown key${suggestKey(key, issue.path)}`,
      }));
    case 'invalid_union': {
      if (issue.path.at(-1) === 'kind' || (issue as { note?: string }).note === 'No matching discriminator') {
        const kind = typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;
        const what = kind === undefined ? 'is missing' : `is ${describeFound(kind, [])}`;
        const at = issue.path.at(-1) === 'kind' ? issue.path : [...issue.path, 'kind'];
        return [{ path: formatPath(at), message: `must be one of ${SOURCE_KINDS.join(', ')}; it ${what}` }];
      }
      return [{ path, message: `${issue.message} (found ${found()})` }];
    }
    case 'invalid_type':
      if (input === undefined) return [{ path, message: `is required (expected ${TYPE_WORDS[issue.expected] ?? issue.expected})` }];
      return [{ path, message: `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, found ${found()}` }];
    case 'invalid_value':
      if (issue.values.length === 1) return [{ path, message: `must be ${JSON.stringify(issue.values[0])}, found ${found()}` }];
      return [{ path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${found()}` }];
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      if (issue.origin === 'string') return [{ path, message: small && limit <= 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${limit} characters long` }];
      if (issue.origin === 'array' || issue.origin === 'set') return [{ path, message: `must have ${small ? 'at least' : 'at most'} ${countWord(limit, 'item')}, found ${countWord(Array.isArray(input) ? input.length : 0, 'item')}` }];
      return [{ path, message: `must be ${small ? 'at least' : 'at most'} ${limit}, found ${found()}` }];
    }
    case 'invalid_format':
      // The regexes carry their own messages, saying what the field takes; add what was found.
      return [{ path, message: `${issue.message}; found ${found()}` }];
    case 'not_multiple_of':
      return [{ path, message: `must be a multiple of ${String(issue.divisor)}, found ${found()}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** zod's type names in a sysadmin's words: what the YAML should hold. */
const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list (- item lines, or [a, b])',
  literal: 'a fixed value',
};

/** An object-storage credential written into the file (accessKeyId, aws_secret_access_key, sessionToken…). */
const CREDENTIAL_KEY = /^(aws)?(accesskey(id)?|secret(access)?key|sessiontoken|credentials?)$/i;
const CREDENTIAL_KEY_MESSAGE =
  'credentials never go in the config file: remove this key and give them through the AWS SDK (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment Backup Health runs in, ~/.aws/credentials, or a profile named with profile)';

/** Keys whose value may be a credential: a problem says what type was there, never the value. */
const SECRET_KEY = /pass|secret|token|url/i;
const FOUND_TEXT_MAX = 40;

/** What a field holds, for a message: "the number 12", 'the text "abc"', "true", "a list of 2 items". */
export function describeFound(value: unknown, path: readonly PropertyKey[] = []): string {
  const secret = path.some((part) => typeof part === 'string' && SECRET_KEY.test(part));
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return `a list of ${countWord(value.length, 'item')}`;
  if (typeof value === 'object') return 'a mapping';
  if (secret) return `${typeof value === 'string' ? 'text' : `a ${typeof value}`} (hidden: it may be a secret)`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > FOUND_TEXT_MAX ? `${value.slice(0, FOUND_TEXT_MAX)}…` : value)}`;
  return `a ${typeof value}`;
}

function countWord(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export { SOURCE_KINDS };

/** The schema has exactly the kinds source-kinds.ts declares: a kind missing from either side does not build. */
type SchemaKind = z.infer<typeof sourceSchema>['kind'];
const schemaCoversKinds: [SchemaKind] extends [SourceKind] ? ([SourceKind] extends [SchemaKind] ? true : false) : false = true;
void schemaCoversKinds;

const KNOWN_KEYS = [
  ...new Set([
    ...Object.keys(postgresSourceSchema.shape),
    ...Object.keys(dumpDirSourceSchema.shape),
    ...Object.keys(borgSourceSchema.shape),
    ...Object.keys(pgbackrestSourceSchema.shape),
    ...Object.keys(basebackupSourceSchema.shape),
    ...Object.keys(barmanSourceSchema.shape),
    ...Object.keys(resticSourceSchema.shape),
    ...Object.keys(resticDrillSchema.shape),
    ...Object.keys(defaultsSchema.shape),
    ...Object.keys(drillSchema.shape),
    'recovery',
    'defaults',
    'sources',
  ]),
];

function suggestKey(key: string, _path: readonly PropertyKey[]): string {
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  const match = KNOWN_KEYS.find((known) => known.toLowerCase() === lower);
  return match && match !== key ? ` (did you mean ${match}?)` : '';
}
