// WAL file names as PostgreSQL writes them (src/include/access/xlog_internal.h) and as archives keep them.
//
// A segment is named by three 8-digit upper-case hex numbers: timeline, "log" (the high part of the segment
// number) and the low part. How many segments one "log" holds depends on wal_segment_size: 256 with 16 MB
// segments (the low part runs 00–FF), 4096 with 1 MB, 4 with 1 GB. So a segment number is only meaningful
// with the size the server was built or initdb'd with; callers pass the size read from the backup.
//
// Archives add to the name: a compression suffix (.gz, .zst, .lz4, .bz2, .xz from common archive_commands)
// and, for pgBackRest, "-<sha1 of the file>" before it (000000010000000000000001-<40 hex>.gz).
//
// Segment numbers are plain numbers: the largest is 2^64 / 1 MB = 2^44, well inside a double's exact range.
// Names are parsed from character codes, not by slicing, because an archive can hold 100,000 of them.

export const MIN_WAL_SEGMENT_SIZE = 1024 * 1024;
export const MAX_WAL_SEGMENT_SIZE = 1024 * 1024 * 1024;
/** PostgreSQL's default, for callers that truly cannot know (say so where it is used). */
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

export type WalCompression = 'gz' | 'zst' | 'lz4' | 'bz2' | 'xz';
const COMPRESSIONS: readonly WalCompression[] = ['gz', 'zst', 'lz4', 'bz2', 'xz'];

export type WalFileKind =
  /** A complete segment, e.g. 000000010000000000000003. */
  | 'segment'
  /** The last, unfinished segment of a timeline (after a promotion, or pg_receivewal's current one). Recovery never reads it. */
  | 'partial'
  /** A base backup's history file, <start segment>.<8 hex offset>.backup: its start and stop location and time. */
  | 'backup-history'
  /** A timeline's history file, <8 hex timeline>.history: the switch points of its ancestors. */
  | 'timeline-history';

export interface WalFileName {
  kind: WalFileKind;
  timeline: number;
  /** The segment number (for all kinds but timeline-history, where it is -1). */
  segment: number;
  /** For a backup-history file: the start location's offset inside its segment. */
  backupOffset?: number;
  compression: WalCompression | null;
  /** pgBackRest's "-<sha1>" suffix, when present. */
  sha1?: string;
}

/** wal_segment_size must be a power of two from 1 MB to 1 GB (initdb --wal-segsize). */
export function isValidSegmentSize(bytes: number): boolean {
  return (
    Number.isInteger(bytes) && bytes >= MIN_WAL_SEGMENT_SIZE && bytes <= MAX_WAL_SEGMENT_SIZE && (bytes & (bytes - 1)) === 0
  );
}

/** Throws, naming the value and what is allowed: a wrong size makes every segment number wrong. */
export function checkSegmentSize(bytes: number): void {
  if (!isValidSegmentSize(bytes)) {
    throw new RangeError(
      `wal_segment_size ${bytes} is not a power of two from 1 MB to 1 GB: read it from the backup (pg_controldata "Bytes per WAL segment")`,
    );
  }
}

/** How many segments one "log" (the middle 8 hex digits) holds: 0x100000000 / segment size. */
export function segmentsPerLog(segmentSize: number): number {
  return 0x100000000 / segmentSize;
}

// ---- hex from character codes -------------------------------------------------------------------------

/** Value of an upper-case hex digit, or -1. PostgreSQL's own checks accept upper case only. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** The 8 upper-case hex digits at `at` as a number, or -1. */
function hex8(name: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const d = hexDigit(name.charCodeAt(i));
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

function isLowerHex(name: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

const SEGMENT_NAME_LENGTH = 24;

/**
 * Reads a WAL archive's file name. Returns null for anything else (a temporary file, a README, a segment
 * whose low part does not fit this segment size: 0000000100000000000001FF is no segment with 16 MB).
 */
export function parseWalFileName(name: string, segmentSize: number): WalFileName | null {
  let end = name.length;
  let compression: WalCompression | null = null;
  const dot = name.lastIndexOf('.');
  if (dot > 0) {
    const ext = name.slice(dot + 1) as WalCompression;
    if (COMPRESSIONS.includes(ext)) {
      compression = ext;
      end = dot;
    }
  }
  let sha1: string | undefined;
  if (end >= 41 && name.charCodeAt(end - 41) === 45 /* - */ && isLowerHex(name, end - 40, end)) {
    sha1 = name.slice(end - 40, end);
    end -= 41;
  }

  // <8 hex>.history
  if (end === 16 && name.startsWith('.history', 8)) {
    const timeline = hex8(name, 0);
    if (timeline <= 0) return null;
    return withSuffix({ kind: 'timeline-history', timeline, segment: -1, compression }, sha1);
  }
  if (end < SEGMENT_NAME_LENGTH) return null;
  const timeline = hex8(name, 0);
  const log = hex8(name, 8);
  const low = hex8(name, 16);
  if (timeline <= 0 || log < 0 || low < 0) return null;
  const perLog = segmentsPerLog(segmentSize);
  if (low >= perLog) return null;
  const segment = log * perLog + low;
  if (end === SEGMENT_NAME_LENGTH) return withSuffix({ kind: 'segment', timeline, segment, compression }, sha1);
  if (end === SEGMENT_NAME_LENGTH + 8 && name.startsWith('.partial', SEGMENT_NAME_LENGTH)) {
    return withSuffix({ kind: 'partial', timeline, segment, compression }, sha1);
  }
  // <24 hex>.<8 hex>.backup
  if (
    end === SEGMENT_NAME_LENGTH + 16 &&
    name.charCodeAt(SEGMENT_NAME_LENGTH) === 46 &&
    name.startsWith('.backup', SEGMENT_NAME_LENGTH + 9)
  ) {
    const backupOffset = hex8(name, SEGMENT_NAME_LENGTH + 1);
    if (backupOffset < 0 || backupOffset >= segmentSize) return null;
    return withSuffix({ kind: 'backup-history', timeline, segment, backupOffset, compression }, sha1);
  }
  return null;
}

function withSuffix(file: WalFileName, sha1: string | undefined): WalFileName {
  if (sha1 !== undefined) file.sha1 = sha1;
  return file;
}

function hex8Text(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** 000000010000000300000A7 style name of a segment (XLogFileName). */
export function segmentName(timeline: number, segment: number, segmentSize: number): string {
  const perLog = segmentsPerLog(segmentSize);
  return hex8Text(timeline) + hex8Text(Math.floor(segment / perLog)) + hex8Text(segment % perLog);
}

/** 00000002.history */
export function timelineHistoryName(timeline: number): string {
  return `${hex8Text(timeline)}.history`;
}

/** <start segment>.<offset>.backup: the history file a base backup leaves in the archive. */
export function backupHistoryName(timeline: number, startLsn: bigint, segmentSize: number): string {
  const offset = Number(startLsn % BigInt(segmentSize));
  return `${segmentName(timeline, segmentOfLsn(startLsn, segmentSize), segmentSize)}.${hex8Text(offset)}.backup`;
}

// ---- LSNs -----------------------------------------------------------------------------------------------

/** "0/3000148" (as pg_current_wal_lsn() prints it) to a 64-bit position; null when it is not one. */
export function parseLsn(text: string): bigint | null {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) return null;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** A position as PostgreSQL prints it: "0/3000148". */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The segment number holding a position (XLByteToSeg). */
export function segmentOfLsn(lsn: bigint, segmentSize: number): number {
  return Number(lsn / BigInt(segmentSize));
}

/** Where a segment begins. */
export function segmentStartLsn(segment: number, segmentSize: number): bigint {
  return BigInt(segment) * BigInt(segmentSize);
}

/** The name of the segment holding a position on a timeline. */
export function segmentNameOfLsn(timeline: number, lsn: bigint, segmentSize: number): string {
  return segmentName(timeline, segmentOfLsn(lsn, segmentSize), segmentSize);
}
