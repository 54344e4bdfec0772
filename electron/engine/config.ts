// Reads, validates and writes the config file. A problem is one line naming the file, the field and the fix;
// a broken file is never written over the last good one.
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { validateConfig, formatPath, type Config, type ConfigProblem } from '../../shared/config';
import { ConfigWriteError, writeConfigFile } from './config-write';
import { sourceModule } from './sources/index';

export type LoadedConfig =
  | { ok: true; file: string; config: Config }
  | { ok: false; file: string; missing: boolean; problems: ConfigProblem[] };

/** "config.yml: sources[1].maxAge: ..." — the form every caller prints. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  return problem.path ? `${file}: ${problem.path}: ${problem.message}` : `${file}: ${problem.message}`;
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { ok: false, file, missing: true, problems: [{ path: '', message: 'no such file; create it (see README, "Configuration") or pass --config FILE' }] };
    }
    if (code === 'EACCES') return { ok: false, file, missing: false, problems: [{ path: '', message: 'permission denied reading the config file' }] };
    if (code === 'EISDIR') return { ok: false, file, missing: false, problems: [{ path: '', message: 'is a directory, not a config file' }] };
    return { ok: false, file, missing: false, problems: [{ path: '', message: (err as Error).message }] };
  }
  const result = parseConfigText(text);
  return result.ok ? { ok: true, file, config: result.config } : { ok: false, file, missing: false, problems: result.problems };
}

/** YAML (or JSON, which YAML reads too) -> validated config, with every problem listed. */
export function parseConfigText(text: string): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.slice(0, MAX_YAML_ERRORS).map((e) => {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : '';
      return { path: where, message: `${yamlProblem(e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''))} (the file is not valid YAML)` };
    });
    const more = doc.errors.length - problems.length;
    return { ok: false, problems: more > 0 ? [...problems, { path: '', message: `and ${more} more YAML errors after these` }] : problems };
  }
  // The yaml library throws, rather than listing, what it refuses while building values (an alias bomb):
  // the same kind of problem as any other invalid YAML, reported the same way.
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `${yamlProblem((err as Error).message)} (the file is not valid YAML)` }] };
  }
  return validateRawConfig(raw);
}

const MAX_YAML_ERRORS = 10;
/** How many values YAML aliases (*name) may expand to; a config file needs a handful, a "billion laughs" file billions. */
const MAX_ALIAS_COUNT = 100;

/** The yaml library's words for what a config file can hit, in a sysadmin's. */
function yamlProblem(message: string): string {
  if (/Excessive alias count/i.test(message)) return `aliases (*name) expand to too many values (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases`;
  if (/Maximum call stack size exceeded/i.test(message)) return 'nested too deeply';
  return message;
}

/** Schema and disk checks of an already-parsed config (what the settings page edits). */
export function validateRawConfig(raw: unknown): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  const result = validateConfig(raw);
  if (!result.ok) return result;
  const problems = checkFiles(result.config);
  return problems.length ? { ok: false, problems } : result;
}

/** Checks the schema cannot make without the disk: password files exist and are private. */
function checkFiles(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.sources.forEach((source, i) => {
    // Which kinds read a password file, and which field names it: the kind's module says (sources/<kind>/index.ts).
    const passwordFile = sourceModule(source).passwordFile(source);
    if (!passwordFile) return;
    const path = formatPath(['sources', i, 'passwordFile']);
    try {
      const stat = statSync(passwordFile);
      if (!stat.isFile()) problems.push({ path, message: `${passwordFile} is not a file` });
      else if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
        problems.push({ path, message: `${passwordFile} is readable by others (mode ${mode}); run chmod 600 ${passwordFile}` });
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ path, message: code === 'ENOENT' ? `${passwordFile} does not exist` : `cannot read ${passwordFile} (${code})` });
    }
  });
  return problems;
}

/**
 * Validates `text` and only then replaces `file` (through a symlink to its target, keeping its mode, owner and
 * group; atomically, the previous version kept as `.bak`: see config-write.ts). Invalid text, or a write that
 * fails, leaves the existing file untouched.
 */
export function saveConfigText(file: string, text: string): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  const result = parseConfigText(text);
  if (!result.ok) return result;
  try {
    writeConfigFile(file, text);
  } catch (err) {
    if (err instanceof ConfigWriteError) return { ok: false, problems: [{ path: '', message: err.message }] };
    throw err;
  }
  return result;
}
