// What went wrong in a restore, from what pg_restore or psql wrote to stderr and what the scratch server
// logged, sorted into what the sysadmin must do about it. Pure functions over text.
//
// Whose fault it is decides the drill's outcome: a truncated archive or a statement that fails is the
// backup's (fail); a full disk, a missing extension or locale, or a crashed scratch server is the drill
// machine's (error), and saying "your backup is bad" then would be a lie.

export type RestoreProblemKind =
  /** The disk under the scratch cluster filled up. */
  | 'no-space'
  /** The archive or its compression ends early or does not decode. */
  | 'corrupt'
  /** The reader is too old for the archive (should have been caught before the restore). */
  | 'unsupported-version'
  /** The dump needs something this machine lacks: an extension, a locale, a shared library. */
  | 'environment'
  /** The scratch server went away mid-restore. */
  | 'server-gone'
  /** A statement of the dump failed. */
  | 'sql';

export interface RestoreProblem {
  kind: RestoreProblemKind;
  /** The line that says so, without the "pg_restore: error: " prefix. */
  line: string;
  /** Where: "TOC entry 3375; 0 16400 TABLE DATA orders app", "line 1234". */
  context?: string;
  /** For 'environment': what to install. */
  hint?: string;
  /** How many errors pg_restore counted ("errors ignored on restore: N"), when it said. */
  errorCount?: number;
}

const NO_SPACE = /No space left on device|could not extend file|disk full/i;
const CORRUPT = [
  /could not read from input file/,
  /could not find block ID/,
  /possibly corrupt/,
  /corrupt(ed)? (archive|data|file)/i,
  /unexpected end of file/,
  /could not uncompress data/,
  /could not decompress/,
  /incorrect (data|header) check/,
  /invalid (block type|distance|stored block lengths|code lengths|literal)/,
  /unrecognized data block type/,
  /found unexpected block ID/,
  /could not open input file/,
  /input file is too short/,
  /did not find magic string/,
  /could not read input file/,
  /compressed data is corrupt|Z_DATA_ERROR|unknown compression method/,
];
const UNSUPPORTED = /unsupported version \(([\d.]+)\) in file header/;
const SERVER_GONE = /server closed the connection unexpectedly|terminating connection because of crash|no connection to the server|connection to server .* failed|the database system is (shutting down|in recovery mode)/;

const ENVIRONMENT: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/could not open extension control file ".*\/([^/]+)\.control"/, (m) => `the dump needs the extension ${m[1]}, which is not installed here; install it for this PostgreSQL version`],
  [/extension "([^"]+)" is not available/, (m) => `the dump needs the extension ${m[1]}, which is not installed here; install it for this PostgreSQL version`],
  [/could not access file "([^"]+)": No such file or directory/, (m) => `the dump needs the library ${m[1]}, which is not installed here`],
  [/invalid locale name:? "([^"]+)"/, (m) => `the dump's database uses the locale ${m[1]}, which this machine lacks; generate it (locale-gen) or restore on a machine that has it`],
  [/(?:collation|locale) "([^"]+)" (?:for encoding "[^"]+" )?does not exist/, (m) => `the dump uses the collation ${m[1]}, which this machine lacks; generate the locale or restore on a machine that has it`],
  [/tablespace "([^"]+)" does not exist/, (m) => `the dump puts objects in the tablespace ${m[1]}, which the scratch cluster does not have; dump without tablespaces (--no-tablespaces) or use a custom-format dump`],
];

/** Lines of pg_restore/psql stderr that are errors rather than progress chatter. */
function isErrorLine(line: string): boolean {
  return /^(pg_restore|psql)(:[^:]*:\d+)?: (error|fatal|FATAL|ERROR|PANIC): |^(pg_restore|psql):.*\b(ERROR|FATAL|PANIC): |^psql: error: /.test(line);
}

function stripPrefix(line: string): string {
  return line
    .replace(/^pg_restore: (error|warning): /, '')
    .replace(/^psql:[^:]*:\d+: /, '')
    .replace(/^psql: error: /, '')
    .replace(/^could not execute query: /, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The problem that matters most in a failed restore's stderr (and the scratch server's log), or null when
 * nothing in them looks like an error. Order: a full disk explains everything after it; then corruption;
 * then things this machine lacks; then a vanished server; then the first failing statement.
 */
export function classifyRestoreOutput(stderr: string, serverLog = ''): RestoreProblem | null {
  const lines = stderr.split('\n').map((l) => l.replace(/\r$/, ''));
  const errorCount = Number(/errors ignored on restore: (\d+)/.exec(stderr)?.[1]) || undefined;
  const withCount = (p: RestoreProblem): RestoreProblem => (errorCount ? { ...p, errorCount } : p);
  const errorLines = lines.filter(isErrorLine);
  const contextOf = (line: string): string | undefined => {
    const at = lines.indexOf(line);
    const toc = lines
      .slice(Math.max(0, at - 3), at)
      .reverse()
      .map((l) => /^pg_restore: from TOC entry (.*)$/.exec(l)?.[1])
      .find(Boolean);
    if (toc) return `TOC entry ${toc}`;
    const psqlLine = /^psql:[^:]*:(\d+): /.exec(line)?.[1];
    return psqlLine ? `line ${psqlLine}` : undefined;
  };
  const problem = (kind: RestoreProblemKind, line: string, extra: Partial<RestoreProblem> = {}): RestoreProblem => {
    const context = contextOf(line);
    return withCount({ kind, line: stripPrefix(line), ...(context ? { context } : {}), ...extra });
  };

  const noSpace = lines.find((l) => NO_SPACE.test(l)) ?? serverLog.split('\n').find((l) => NO_SPACE.test(l));
  if (noSpace) return problem('no-space', noSpace.replace(/^\S+ \S+ \S+ \[\d+\] /, ''));
  const unsupported = lines.find((l) => UNSUPPORTED.test(l));
  if (unsupported) return problem('unsupported-version', unsupported);
  const corrupt = lines.find((l) => CORRUPT.some((re) => re.test(l)));
  if (corrupt) return problem('corrupt', corrupt);
  for (const line of errorLines) {
    for (const [pattern, hint] of ENVIRONMENT) {
      const m = pattern.exec(line);
      if (m) return problem('environment', line, { hint: hint(m) });
    }
  }
  const gone = lines.find((l) => SERVER_GONE.test(l));
  if (gone) return problem('server-gone', gone);
  const first = errorLines[0];
  if (first) return problem('sql', first);
  return null;
}

/** A restore's stderr lines worth keeping (errors and their context), without the -v progress chatter. */
export function isChatter(line: string): boolean {
  return /^pg_restore: (creating|processing|launching|finished|executing|connecting|entering|implied|skipping|dropping|restoring large object|disabling|enabling|setting owner|reducing dependencies|transferring dependency|table of contents)/.test(line);
}
