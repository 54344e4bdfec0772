// What PostgreSQL writes about a base backup, read natively: backup_label (in the backup: where replay must
// start), the archived <segment>.<offset>.backup history file (the same lines plus where and when the backup
// stopped), and LSNs ("0/5000028"). Pure text in, facts out; a line that is missing or malformed is left
// out, never guessed (the caller says what it could not learn).
//
// The server writes both files with "%Y-%m-%d %H:%M:%S %Z" in its log_timezone, so a time ends with a zone
// abbreviation ("UTC", "CET", "+03"). Abbreviations are ambiguous in general; the common ones are read, and
// an unknown one leaves the time to the caller's fallback (the file's modification time).

export interface BackupLabel {
  /** START WAL LOCATION: where replay must start. */
  startLsn: string | null;
  /** The segment the label names for it ("(file 000000010000000000000002)"). */
  startSegment: string | null;
  checkpointLsn: string | null;
  /** BACKUP METHOD: streamed (pg_basebackup) or pg_start_backup / pg_backup_start (a copy made by hand). */
  method: string | null;
  /** BACKUP FROM: primary or standby. */
  from: string | null;
  startTime: number | null;
  /** START TIME as written, for messages when the zone could not be read. */
  startTimeText: string | null;
  label: string | null;
  startTimeline: number | null;
  /** PostgreSQL 17 incremental backups: the LSN they are incremental from (they restore only through pg_combinebackup). */
  incrementalFromLsn: string | null;
}

export interface BackupHistory extends BackupLabel {
  stopLsn: string | null;
  stopSegment: string | null;
  stopTime: number | null;
  stopTimeline: number | null;
}

const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;
const SEGMENT = /^[0-9A-F]{24}$/;

/** The key: value lines of a backup_label or .backup file (the first of each key; at most 64 lines read). */
function fields(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n').slice(0, 64)) {
    const colon = line.indexOf(': ');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (!map.has(key)) map.set(key, line.slice(colon + 2).replace(/\r$/, ''));
  }
  return map;
}

/** "0/2000028 (file 000000010000000000000002)" -> ["0/2000028", "000000010000000000000002"]. */
function location(value: string | undefined): [string | null, string | null] {
  if (!value) return [null, null];
  const match = /^([0-9A-Fa-f]+\/[0-9A-Fa-f]+)(?: \(file ([0-9A-F]{24})\))?/.exec(value.trim());
  if (!match || !LSN.test(match[1]!)) return [null, null];
  return [match[1]!.toUpperCase(), match[2] && SEGMENT.test(match[2]) ? match[2] : null];
}

function positiveInt(value: string | undefined): number | null {
  if (!value || !/^\d{1,10}$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return n > 0 && n <= 0xffffffff ? n : null;
}

/** Offsets of the zone abbreviations PostgreSQL's tz database prints most often, in minutes east of UTC. */
const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, IST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180, MSK: 180,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420, AKST: -540, AKDT: -480, HST: -600,
  JST: 540, KST: 540, AEST: 600, AEDT: 660, ACST: 570, ACDT: 630, AWST: 480, NZST: 720, NZDT: 780, SAST: 120,
};

/**
 * "2026-12-04 00:23:21 UTC" -> epoch ms. Also numeric zones ("+03", "-0530", "+05:30"). null for an unknown
 * abbreviation or a malformed time.
 */
export function parseLabelTime(text: string | undefined): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?: (\S+))?$/.exec((text ?? '').trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s, zone = 'UTC'] = match;
  let offsetMin: number | undefined = ZONES[zone.toUpperCase()];
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) offsetMin = (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3] ?? 0));
  if (offsetMin === undefined) return null;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isFinite(utc) ? utc - offsetMin * 60_000 : null;
}

export function parseBackupLabel(text: string): BackupLabel {
  const f = fields(text);
  const [startLsn, startSegment] = location(f.get('START WAL LOCATION'));
  const [checkpointLsn] = location(f.get('CHECKPOINT LOCATION'));
  const incremental = location(f.get('INCREMENTAL FROM LSN'))[0];
  return {
    startLsn,
    startSegment,
    checkpointLsn,
    method: f.get('BACKUP METHOD')?.trim() || null,
    from: f.get('BACKUP FROM')?.trim() || null,
    startTime: parseLabelTime(f.get('START TIME')),
    startTimeText: f.get('START TIME')?.trim().slice(0, 64) || null,
    label: f.get('LABEL')?.slice(0, 1024) ?? null,
    startTimeline: positiveInt(f.get('START TIMELINE')),
    incrementalFromLsn: incremental,
  };
}

export function parseBackupHistory(text: string): BackupHistory {
  const f = fields(text);
  const [stopLsn, stopSegment] = location(f.get('STOP WAL LOCATION'));
  return { ...parseBackupLabel(text), stopLsn, stopSegment, stopTime: parseLabelTime(f.get('STOP TIME')), stopTimeline: positiveInt(f.get('STOP TIMELINE')) };
}

/** Whether text looks like a backup_label at all (its first line), so a random file is not taken for one. */
export function looksLikeBackupLabel(text: string): boolean {
  return /^START WAL LOCATION: [0-9A-Fa-f]+\/[0-9A-Fa-f]+/.test(text);
}
