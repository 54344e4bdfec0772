// One pg_basebackup run's directory, read without extracting anything: its format (plain, or tar with its
// compression), backup_label (the file, or the first member of base.tar*), PG_VERSION, the tablespaces
// (tablespace_map, or a plain backup's pg_tblspc links), both ends of backup_manifest, the segment size (a
// segment in pg_wal/ or pg_wal.tar*), and its size. A directory without backup_label is still a backup, named
// as one that cannot be restored; a directory that holds nothing of a backup is not one.
import { join } from 'node:path';
import { isValidSegmentSize } from '../../wal/names';
import { parseBackupLabel, looksLikeBackupLabel, type BackupLabel } from './backup-label';
import { decompressHead, tarCompression, type TarCompression } from './decompress';
import type { Entry, PlainExtras, ReadRequest, SourceFiles } from './files';
import { MANIFEST_HEAD_BYTES, MANIFEST_TAIL_BYTES, parseManifestEnds, type ManifestEnds } from './manifest';
import { readTarHead, type TarHead } from './tar-head';

export type BackupFormat = 'plain' | 'tar';

export interface Tablespace {
  oid: string;
  /** Where it lived on the server (tablespace_map), or where a plain backup's link points. */
  path: string;
}

export interface BaseBackupReading {
  /** The directory's name: the backup's key. */
  name: string;
  dir: string;
  format: BackupFormat;
  compression: TarCompression;
  label: BackupLabel | null;
  /** Why this backup cannot be restored (no backup_label, or it could not be read here); null when it can. */
  problem: string | null;
  /** PG_VERSION: the major version that wrote it ("15"). */
  pgVersion: string | null;
  tablespaces: Tablespace[];
  manifest: ManifestEnds | null;
  manifestMtimeMs: number | null;
  /** wal_segment_size, from a WAL segment the backup holds; null when it holds none (-X none). */
  walSegmentSize: number | null;
  sizeBytes: number;
  /** The newest modification time among its top entries: when it was last written. */
  newestMtimeMs: number;
}

/** How much of a compressed base.tar is read first, then at most, and the decompressed bytes kept. */
const TAR_HEAD_FIRST = 256 * 1024;
const TAR_HEAD_MAX = 8 * 1024 * 1024;
const TAR_OUTPUT_CAP = 64 * 1024 * 1024;
const LABEL_BYTES = 64 * 1024;
const SEGMENT_NAME = /^[0-9A-F]{24}$/;
const WANTED = new Set(['backup_label', 'tablespace_map', 'PG_VERSION']);
/** What to do about backup files this user cannot read; ends the problem with "; not read", so it is not taken for an empty run. */
export const UNREADABLE_HINT = "give it read access: the backup files' group, or an ACL";

/** tablespace_map: "<oid> <path>" per line (a path may hold spaces; a newline in it is written as \n, PG 15+). */
export function parseTablespaceMap(text: string): Tablespace[] {
  return text
    .split('\n')
    .map((line) => /^(\d{1,10}) (.+)$/.exec(line.replace(/\r$/, '')))
    .filter((match): match is RegExpExecArray => match !== null)
    .slice(0, 1000)
    .map((match) => ({ oid: match[1]!, path: match[2]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\') }));
}

function pgVersionOf(buffer: Buffer | null | undefined): string | null {
  const text = buffer?.toString('latin1').trim() ?? '';
  return /^\d{1,2}(?:\.\d{1,2})?$/.test(text) ? text : null;
}

function labelOf(buffer: Buffer | null | undefined): BackupLabel | null {
  const text = buffer?.toString('utf8') ?? '';
  return looksLikeBackupLabel(text) ? parseBackupLabel(text) : null;
}

/** The backup's format from its top entries; null when it holds nothing of a backup. */
export function formatOf(entries: readonly Entry[]): { format: BackupFormat; compression: TarCompression; baseTar?: string; walTar?: string } | null {
  const baseTar = entries.find((e) => e.type === 'file' && /^base\.tar(\.gz|\.zst|\.lz4)?$/.test(e.name));
  if (baseTar) {
    const walTar = entries.find((e) => e.type === 'file' && /^pg_wal\.tar(\.gz|\.zst|\.lz4)?$/.test(e.name));
    return { format: 'tar', compression: tarCompression(baseTar.name)!, baseTar: baseTar.name, ...(walTar ? { walTar: walTar.name } : {}) };
  }
  const names = new Set(entries.map((e) => e.name));
  if (names.has('PG_VERSION') || names.has('backup_label') || names.has('global') || names.has('backup_manifest')) return { format: 'plain', compression: 'none' };
  return null;
}

export interface BackupDirectory {
  name: string;
  dir: string;
  entries: readonly Entry[];
}

/** A plain backup's tablespaces: tablespace_map when it has one, else its pg_tblspc links (pg_basebackup -T writes links). */
function plainTablespaces(map: Buffer | null, extras: PlainExtras): Tablespace[] {
  if (map) return parseTablespaceMap(map.toString('utf8'));
  return extras.tablespaceLinks.filter((l) => /^\d{1,10}$/.test(l.name)).map((l) => ({ oid: l.name, path: l.target ?? join('pg_tblspc', l.name) }));
}

/** A tar backup's tablespaces by their <oid>.tar* files, when its tablespace_map was not read. */
function tablespaceTars(entries: readonly Entry[]): Tablespace[] {
  return entries.flatMap((e) => {
    const match = /^(\d{1,10})\.tar(?:\.gz|\.zst|\.lz4)?$/.exec(e.name);
    return match ? [{ oid: match[1]!, path: '' }] : [];
  });
}

interface TarToRead {
  path: string;
  size: number;
  compression: TarCompression;
  /** base.tar (read until backup_label and PG_VERSION), or pg_wal.tar (its first header is enough). */
  base: boolean;
  owner: number;
}

function tarRequest(tar: TarToRead, bytes: number): ReadRequest {
  return { path: tar.path, end: 'head', bytes: tar.base ? bytes : Math.min(bytes, 64 * 1024) };
}

type TarRead = { ok: true; head: TarHead | null } | { ok: false; missingTool: string; install: string };

/** Whether a base.tar head still lacks what is read from it, and more of the file could hold it. */
function baseNeedsMore(head: TarHead): boolean {
  return head.cut && (!head.members.some((m) => m.name === 'backup_label' && m.content) || !head.members.some((m) => m.name === 'PG_VERSION' && m.content));
}

/**
 * The heads of these tarballs, decompressed and read, all in one read per round: a head that ends before
 * backup_label and PG_VERSION (a base.tar whose first members compress badly) is read again, four times
 * longer, up to TAR_HEAD_MAX.
 */
async function readTarHeads(files: SourceFiles, tars: readonly TarToRead[], firstRaws: readonly (Buffer | null)[], signal?: AbortSignal): Promise<TarRead[]> {
  const out: TarRead[] = tars.map(() => ({ ok: true, head: null }));
  let pending = tars.map((_, i) => i);
  for (let bytes = TAR_HEAD_FIRST; pending.length > 0; bytes *= 4) {
    const raws = bytes === TAR_HEAD_FIRST ? firstRaws : await files.read(pending.map((i) => tarRequest(tars[i]!, bytes)));
    const again: number[] = [];
    for (let k = 0; k < pending.length; k++) {
      const i = pending[k]!;
      const raw = raws[k];
      if (!raw) continue;
      const decompressed = await decompressHead(raw, tars[i]!.compression, TAR_OUTPUT_CAP, signal);
      if (!decompressed.ok) {
        out[i] = decompressed;
        continue;
      }
      const head = readTarHead(decompressed.data, WANTED, { maxMembers: 32 });
      out[i] = { ok: true, head };
      if (tars[i]!.base && baseNeedsMore(head) && bytes < tars[i]!.size && bytes < TAR_HEAD_MAX) again.push(i);
    }
    pending = again;
  }
  return out;
}

/** Read these backup directories, in as few round trips as the files allow; null for a directory that holds nothing of a backup. */
export async function readBaseBackups(files: SourceFiles, dirs: readonly BackupDirectory[], signal?: AbortSignal): Promise<(BaseBackupReading | null)[]> {
  const formats = dirs.map((d) => formatOf(d.entries));
  const plainIndexes = dirs.map((_, i) => i).filter((i) => formats[i]?.format === 'plain');
  const extras = await files.plainExtras(plainIndexes.map((i) => dirs[i]!.dir));
  const extrasOf = new Map(plainIndexes.map((i, k) => [i, extras[k]!]));

  // One read for every small file and both ends of every manifest.
  const requests: ReadRequest[] = [];
  const at = new Map<string, number>();
  const ask = (key: string, request: ReadRequest) => {
    at.set(key, requests.length);
    requests.push(request);
  };
  dirs.forEach((d, i) => {
    const format = formats[i];
    if (!format) return;
    if (d.entries.some((e) => e.name === 'backup_manifest' && e.type === 'file')) {
      ask(`${i}:manifest-head`, { path: join(d.dir, 'backup_manifest'), end: 'head', bytes: MANIFEST_HEAD_BYTES });
      ask(`${i}:manifest-tail`, { path: join(d.dir, 'backup_manifest'), end: 'tail', bytes: MANIFEST_TAIL_BYTES });
    }
    if (format.format === 'plain') {
      ask(`${i}:label`, { path: join(d.dir, 'backup_label'), end: 'head', bytes: LABEL_BYTES });
      ask(`${i}:version`, { path: join(d.dir, 'PG_VERSION'), end: 'head', bytes: 64 });
      ask(`${i}:map`, { path: join(d.dir, 'tablespace_map'), end: 'head', bytes: LABEL_BYTES });
    }
  });
  const tars: TarToRead[] = [];
  dirs.forEach((d, i) => {
    const format = formats[i];
    if (format?.format !== 'tar') return;
    const base = d.entries.find((e) => e.name === format.baseTar)!;
    tars.push({ path: join(d.dir, base.name), size: base.size, compression: format.compression, base: true, owner: i });
    const wal = format.walTar ? d.entries.find((e) => e.name === format.walTar) : undefined;
    if (wal) tars.push({ path: join(d.dir, wal.name), size: wal.size, compression: tarCompression(wal.name)!, base: false, owner: i });
  });
  // The tarballs' first bytes come in the same round trip.
  const bytes = await files.read([...requests, ...tars.map((tar) => tarRequest(tar, TAR_HEAD_FIRST))]);
  const heads = await readTarHeads(files, tars, bytes.slice(requests.length), signal);
  const got = (key: string): Buffer | null => {
    const index = at.get(key);
    return index === undefined ? null : (bytes[index] ?? null);
  };


  return dirs.map((d, i) => {
    const format = formats[i];
    if (!format) return null;
    const manifestEntry = d.entries.find((e) => e.name === 'backup_manifest' && e.type === 'file');
    const head = got(`${i}:manifest-head`);
    const tail = got(`${i}:manifest-tail`);
    const reading: BaseBackupReading = {
      name: d.name,
      dir: d.dir,
      format: format.format,
      compression: format.compression,
      label: null,
      problem: null,
      pgVersion: null,
      tablespaces: [],
      manifest: head && tail ? parseManifestEnds(head.toString('utf8'), tail.toString('utf8')) : null,
      manifestMtimeMs: manifestEntry?.mtimeMs ?? null,
      walSegmentSize: null,
      sizeBytes: 0,
      newestMtimeMs: Math.max(0, ...d.entries.map((e) => e.mtimeMs)),
    };
    if (format.format === 'plain') {
      const extra = extrasOf.get(i)!;
      const label = got(`${i}:label`);
      reading.label = labelOf(label);
      reading.pgVersion = pgVersionOf(got(`${i}:version`));
      reading.tablespaces = plainTablespaces(got(`${i}:map`), extra);
      reading.walSegmentSize = extra.walFiles.find((e) => SEGMENT_NAME.test(e.name) && isValidSegmentSize(e.size))?.size ?? null;
      reading.sizeBytes = extra.treeBytes;
      const labelListed = d.entries.some((e) => e.name === 'backup_label');
      if (!reading.label) {
        reading.problem = label
          ? 'its backup_label is not one PostgreSQL wrote: it cannot be restored as a base backup'
          : labelListed
            ? `its backup_label cannot be read by the user Backup Health runs as (${UNREADABLE_HINT}); not read`
            : 'has no backup_label: it cannot be restored as a base backup';
      }
      return reading;
    }
    const baseIndex = tars.findIndex((t) => t.owner === i && t.base);
    const walIndex = tars.findIndex((t) => t.owner === i && !t.base);
    const baseName = format.baseTar!;
    const base = heads[baseIndex]!;
    if (base.ok && base.head === null) {
      reading.problem = `its ${baseName} cannot be read by the user Backup Health runs as (${UNREADABLE_HINT}); not read`;
    } else if (!base.ok) {
      reading.problem = `its ${baseName} is ${format.compression}-compressed and ${base.missingTool} is not installed on this machine: ${base.install}`;
    } else {
      const member = (wanted: string) => base.head?.members.find((m) => m.name === wanted)?.content ?? null;
      const labelBytes = member('backup_label');
      reading.label = labelOf(labelBytes);
      reading.pgVersion = pgVersionOf(member('PG_VERSION'));
      const map = member('tablespace_map');
      reading.tablespaces = map ? parseTablespaceMap(map.toString('utf8')) : tablespaceTars(d.entries);
      if (!reading.label) {
        reading.problem = base.head?.damaged
          ? `its ${baseName} is not a readable tar file: it cannot be restored as a base backup`
          : labelBytes
            ? `the backup_label in its ${baseName} is not one PostgreSQL wrote: it cannot be restored as a base backup`
            : `has no backup_label (not at the start of ${baseName}, where pg_basebackup writes it): it cannot be restored as a base backup`;
      }
    }
    const wal = walIndex >= 0 ? heads[walIndex] : undefined;
    const first = wal?.ok ? wal.head?.members.find((m) => m.type === '0' && SEGMENT_NAME.test(m.name.replace(/^.*\//, ''))) : undefined;
    reading.walSegmentSize = first && isValidSegmentSize(first.size) ? first.size : null;
    reading.sizeBytes = d.entries.filter((e) => e.type === 'file').reduce((sum, e) => sum + e.size, 0);
    return reading;
  });
}
