// The settings form's model: a source as the config file writes it ("26h", "1MB"), held as text fields,
// and back. Empty fields mean "not set" (the engine's defaults apply) and are left out of the file.
import { fileOnlySshOptions } from '../../shared/api-edit-rules';
import { DRILL_FIELDS, isSourceKind, REMOTE_FIELDS, SOURCE_KIND_INFO, type DrillField, type SourceKind, type SourceTextField } from '../../shared/source-kinds';

export const COMMON_FIELDS = ['id', 'name', 'interval', 'timeout'] as const;
export { DRILL_FIELDS, REMOTE_FIELDS };
export const POSTGRES_FIELDS = SOURCE_KIND_INFO.postgres.fields;
export const DUMP_DIR_FIELDS = SOURCE_KIND_INFO['dump-dir'].fields;
export const BORG_FIELDS = SOURCE_KIND_INFO.borg.fields;
export const PGBACKREST_FIELDS = SOURCE_KIND_INFO.pgbackrest.fields;
export const RESTIC_FIELDS = SOURCE_KIND_INFO.restic.fields;
/** A kind's drill fields (shared/source-kinds.ts): a physical restore has no pg_restore -j and compares nothing live; only restic reads pack data back. */
export function drillFieldsOf(kind: SourceKind): readonly DrillTextField[] {
  // A kind without drills has no drill section; what this said for it before is kept (every field but readDataSubset).
  return SOURCE_KIND_INFO[kind].drillFields ?? DRILL_FIELDS.filter((f) => f !== 'readDataSubset');
}

/** Drill fields written as plain numbers in the file. */
const NUMBER_DRILL_FIELDS = new Set<string>(['jobs', 'minTables', 'minRows']);
/** Fields written as lists in the file, edited as comma-separated words. */
const LIST_FIELDS = new Set<string>(['standbys', 'coverageIgnore']);
/** Lists edited one item per line: an ssh option's value may hold commas (Ciphers=aes128-ctr,aes256-ctr). */
const LINE_LIST_FIELDS = new Set<string>(['sshOptions']);
/** pgbackrest fields written as plain numbers in the file (its repo number; borg's repo is a path). */
const NUMBER_FIELDS = new Set<string>(['repo']);

type TextField = (typeof COMMON_FIELDS)[number] | SourceTextField;

/** The text fields of a kind besides the common ones (shared/source-kinds.ts). */
export function kindFields(kind: SourceKind): readonly TextField[] {
  return SOURCE_KIND_INFO[kind].fields;
}

/** Every text field of every kind: the form holds them all, so switching kinds keeps the common ones. */
const ALL_KIND_FIELDS: readonly TextField[] = [...new Set(Object.values(SOURCE_KIND_INFO).flatMap((info) => info.fields))];

/** Kinds whose sources have a drill section. */
const isDrillable = (kind: SourceKind) => SOURCE_KIND_INFO[kind].drillFields !== null;
export type DrillTextField = DrillField;

export interface DrillCheckForm {
  name: string;
  sql: string;
}

export type SourceForm = { kind: SourceKind } & Record<TextField, string> & {
    /** postgres: the desktop app keeps this source's password in the OS keychain. */
    passwordStored: boolean;
    /**
     * ssh options the dashboard cannot set (ProxyJump, say), kept exactly as the config file has them and
     * shown read-only; the sshOptions field holds the rest.
     */
    fileOnlySshOptions: string[];
    drill: Record<DrillTextField, string> & { checks: DrillCheckForm[] };
    /**
     * Keys the form has no field for ("drill.x" for the drill section), kept as written so a save never
     * loses what a newer version or a hand edit put there; the form offers to drop them.
     */
    extra: Record<string, unknown>;
  };

export function emptyForm(kind: SourceKind): SourceForm {
  const text = Object.fromEntries([...COMMON_FIELDS, ...ALL_KIND_FIELDS].map((f) => [f, ''])) as Record<TextField, string>;
  const drill = Object.fromEntries(DRILL_FIELDS.map((f) => [f, ''])) as Record<DrillTextField, string>;
  return { kind, ...text, passwordStored: false, fileOnlySshOptions: [], drill: { ...drill, checks: [] }, extra: {} };
}

/** A source as the config file has it (from settings().sources) -> the form. */
export function formFromSource(source: Record<string, unknown>): SourceForm {
  const kind: SourceKind = isSourceKind(source.kind) ? source.kind : 'dump-dir';
  const form = emptyForm(kind);
  const fields: readonly string[] = [...COMMON_FIELDS, ...kindFields(kind)];
  for (const [key, value] of Object.entries(source)) {
    if (key === 'kind') continue;
    if (key === 'sshOptions' && fields.includes(key) && Array.isArray(value)) {
      form.fileOnlySshOptions = fileOnlySshOptions(value);
      form.sshOptions = value.filter((o) => !form.fileOnlySshOptions.includes(o as string)).map(asText).join('\n');
    } else if (fields.includes(key)) (form as unknown as Record<string, string>)[key] = LINE_LIST_FIELDS.has(key) && Array.isArray(value) ? value.map(asText).join('\n') : asText(value);
    else if (kind === 'postgres' && key === 'passwordStored' && value === true) form.passwordStored = true;
    else if (isDrillable(kind) && key === 'drill' && isMapping(value)) readDrill(form, value);
    else form.extra[key] = value;
  }
  return form;
}

function readDrill(form: SourceForm, drill: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(drill)) {
    if ((drillFieldsOf(form.kind) as readonly string[]).includes(key)) {
      form.drill[key as DrillTextField] = asText(value);
    } else if (key === 'checks' && Array.isArray(value)) {
      form.drill.checks = value.map((check: unknown) => {
        const c = isMapping(check) ? check : { sql: check };
        return { name: asText(c.name), sql: asText(c.sql) };
      });
    } else {
      form.extra[`drill.${key}`] = value;
    }
  }
}

/** The form -> a source in the config file's words, as saveSource/testSource/validateSource take it. */
export function sourceFromForm(form: SourceForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, text: string) => {
    if (LIST_FIELDS.has(key) || LINE_LIST_FIELDS.has(key)) {
      const list = asList(text, LINE_LIST_FIELDS.has(key) ? /\n/ : /[,\n]/);
      if (list.length) out[key] = list;
    } else if (form.kind === 'pgbackrest' && NUMBER_FIELDS.has(key) && /^\d+$/.test(text.trim())) out[key] = Number(text.trim());
    else if (text.trim()) out[key] = text.trim();
  };
  put('id', form.id);
  put('name', form.name);
  out.kind = form.kind;
  for (const key of kindFields(form.kind)) put(key, form[key]);
  // Kept first, as the file had them: ssh takes the first value of an option, and these are the user's own.
  if (form.fileOnlySshOptions.length && REMOTE_FIELDS.some((f) => kindFields(form.kind).includes(f))) out.sshOptions = [...form.fileOnlySshOptions, ...((out.sshOptions as string[] | undefined) ?? [])];
  if (form.kind === 'postgres' && form.passwordStored) out.passwordStored = true;
  put('interval', form.interval);
  put('timeout', form.timeout);
  for (const [key, value] of Object.entries(form.extra)) if (!key.startsWith('drill.')) out[key] = value;
  if (isDrillable(form.kind)) {
    const drill = drillFromForm(form);
    if (drill) out.drill = drill;
  }
  return out;
}

function drillFromForm(form: SourceForm): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const key of drillFieldsOf(form.kind)) {
    const text = form.drill[key].trim();
    if (!text) continue;
    // jobs, minTables and minRows are plain numbers in the file; anything else is passed on as written, for the schema to judge.
    out[key] = NUMBER_DRILL_FIELDS.has(key) && /^\d+$/.test(text) ? Number(text) : text;
  }
  const checks = form.drill.checks
    .filter((c) => c.name.trim() || c.sql.trim())
    .map((c) => (c.name.trim() ? { name: c.name.trim(), sql: c.sql.trim() } : { sql: c.sql.trim() }));
  if (checks.length) out.checks = checks;
  for (const [key, value] of Object.entries(form.extra)) if (key.startsWith('drill.')) out[key.slice('drill.'.length)] = value;
  return Object.keys(out).length ? out : null;
}

/** The form with one text field changed: "url", or "drill.every" for the drill section. */
export function withField(form: SourceForm, path: string, value: string): SourceForm {
  if (path.startsWith('drill.')) {
    const key = path.slice('drill.'.length) as DrillTextField;
    return { ...form, drill: { ...form.drill, [key]: value } };
  }
  return { ...form, [path]: value };
}

/** The form switched to another kind (adding a source): what both kinds share is kept. */
export function withKind(form: SourceForm, kind: SourceKind): SourceForm {
  const next = emptyForm(kind);
  for (const field of COMMON_FIELDS) next[field] = form[field];
  return next;
}

export function withoutExtra(form: SourceForm, key: string): SourceForm {
  const extra = { ...form.extra };
  delete extra[key];
  return { ...form, extra };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(asText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function asList(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);
}
