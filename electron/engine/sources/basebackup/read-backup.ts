// One pg_basebackup run's directory, read without extracting anything: its format (plain, or tar with its
// compression), backup_label (the file, or the first member of base.tar*), PG_VERSION, the tablespaces
// (tablespace_map, or a plain backup's pg_tblspc links), both ends of backup_manifest, the segment size (a
// segment in pg_wal/ or pg_wal.tar*), and its size. A directory without backup_label is still a backup, named
// as one that cannot be restored; a directory that holds nothing of a backup is not one.
import { join } from 'node:path';
import { isValidSegmentSize } from '../../wal/names';
import { parseBackupLabel, looksLikeBackupLabel, type BackupLabel } from './backup-label';
import { decompressHead, tarCompression, type TarCompression } from './decompress';
import type { Entry, SourceFiles } from './files';
import { MANIFEST_HEAD_BYTES, MANIFEST_TAIL_BYTES, parseManifestEnds, type ManifestEnds } from './manifest';
import { readTarHead } from './tar-head';

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

async function readManifest(files: SourceFiles, dir: string, entries: readonly Entry[]): Promise<{ manifest: ManifestEnds | null; mtime: number | null }> {
  const entry = entries.find((e) => e.name === 'backup_manifest' && e.type === 'file');
  if (!entry) return { manifest: null, mtime: null };
  const path = join(dir, 'backup_manifest');
  const [head, tail] = await files.read([
    { path, end: 'head', bytes: MANIFEST_HEAD_BYTES },
    { path, end: 'tail', bytes: MANIFEST_TAIL_BYTES },
  ]);
  if (!head || !tail) return { manifest: null, mtime: entry.mtimeMs };
  return { manifest: parseManifestEnds(head.toString('utf8'), tail.toString('utf8')), mtime: entry.mtimeMs };
}

/** The members at the head of a (compressed) tarball: reads more of the file only while `needMore` says so. */
async function tarHead(files: SourceFiles, path: string, size: number, compression: TarCompression, needMore: (members: ReturnType<typeof readTarHead>) => boolean, signal?: AbortSignal) {
  for (let bytes = TAR_HEAD_FIRST; ; bytes *= 4) {
    const [raw] = await files.read([{ path, end: 'head', bytes }]);
    if (!raw) return { ok: true as const, head: null };
    const decompressed = await decompressHead(raw, compression, TAR_OUTPUT_CAP, signal);
    if (!decompressed.ok) return decompressed;
    const head = readTarHead(decompressed.data, WANTED, { maxMembers: 32 });
    if (!needMore(head) || !head.cut || bytes >= size || bytes >= TAR_HEAD_MAX) return { ok: true as const, head };
  }
}

/** Read one backup directory (`entries` are its top entries). null when it is not a backup at all. */
export async function readBaseBackup(files: SourceFiles, dir: string, name: string, entries: readonly Entry[], signal?: AbortSignal): Promise<BaseBackupReading | null> {
  const format = formatOf(entries);
  if (!format) return null;
  const newestMtimeMs = Math.max(0, ...entries.map((e) => e.mtimeMs));
  const { manifest, mtime: manifestMtimeMs } = await readManifest(files, dir, entries);
  const reading: BaseBackupReading = {
    name,
    dir,
    format: format.format,
    compression: format.compression,
    label: null,
    problem: null,
    pgVersion: null,
    tablespaces: [],
    manifest,
    manifestMtimeMs,
    walSegmentSize: null,
    sizeBytes: 0,
    newestMtimeMs,
  };
  if (format.format === 'plain') {
    const [label, version, map] = await files.read([
      { path: join(dir, 'backup_label'), end: 'head', bytes: LABEL_BYTES },
      { path: join(dir, 'PG_VERSION'), end: 'head', bytes: 64 },
      { path: join(dir, 'tablespace_map'), end: 'head', bytes: LABEL_BYTES },
    ]);
    reading.label = labelOf(label);
    reading.pgVersion = pgVersionOf(version);
    reading.tablespaces = map ? parseTablespaceMap(map.toString('utf8')) : await tablespaceLinks(files, dir);
    const wal = (await files.listIfPresent(join(dir, 'pg_wal'))) ?? [];
    const segment = wal.find((e) => e.type === 'file' && SEGMENT_NAME.test(e.name) && isValidSegmentSize(e.size));
    reading.walSegmentSize = segment?.size ?? null;
    reading.sizeBytes = await files.treeBytes(dir);
    if (!reading.label) reading.problem = label ? 'its backup_label is not one PostgreSQL wrote: it cannot be restored as a base backup' : 'has no backup_label: it cannot be restored as a base backup';
  } else {
    const baseEntry = entries.find((e) => e.name === format.baseTar)!;
    const base = await tarHead(files, join(dir, baseEntry.name), baseEntry.size, format.compression, (head) => !head.members.some((m) => m.name === 'backup_label' && m.content) || !head.members.some((m) => m.name === 'PG_VERSION'), signal);
    if (!base.ok) {
      reading.problem = `its ${baseEntry.name} is ${format.compression}-compressed and ${base.missingTool} is not installed on this machine: ${base.install}`;
    } else {
      const member = (wanted: string) => base.head?.members.find((m) => m.name === wanted)?.content;
      const labelBytes = member('backup_label');
      reading.label = labelOf(labelBytes);
      reading.pgVersion = pgVersionOf(member('PG_VERSION'));
      const map = member('tablespace_map');
      reading.tablespaces = map ? parseTablespaceMap(map.toString('utf8')) : tablespaceTars(entries);
      if (!reading.label) {
        reading.problem = base.head?.damaged
          ? `its ${baseEntry.name} is not a readable tar file: it cannot be restored as a base backup`
          : labelBytes
            ? `the backup_label in its ${baseEntry.name} is not one PostgreSQL wrote: it cannot be restored as a base backup`
            : `has no backup_label (not at the start of ${baseEntry.name}, where pg_basebackup writes it): it cannot be restored as a base backup`;
      }
    }
    if (format.walTar) {
      const walEntry = entries.find((e) => e.name === format.walTar)!;
      const wal = await tarHead(files, join(dir, walEntry.name), walEntry.size, tarCompression(walEntry.name)!, () => false, signal);
      const first = wal.ok ? wal.head?.members.find((m) => m.type === '0' && SEGMENT_NAME.test(m.name.replace(/^.*\//, ''))) : undefined;
      reading.walSegmentSize = first && isValidSegmentSize(first.size) ? first.size : null;
    }
    reading.sizeBytes = entries.filter((e) => e.type === 'file').reduce((sum, e) => sum + e.size, 0);
  }
  return reading;
}

/** A plain backup's tablespaces, by its pg_tblspc links (pg_basebackup -T writes links, not tablespace_map). */
async function tablespaceLinks(files: SourceFiles, dir: string): Promise<Tablespace[]> {
  const links = ((await files.listIfPresent(join(dir, 'pg_tblspc'))) ?? []).filter((e) => /^\d{1,10}$/.test(e.name));
  const out: Tablespace[] = [];
  for (const link of links.slice(0, 1000)) {
    const target = link.type === 'symlink' ? await files.readlink(join(dir, 'pg_tblspc', link.name)) : null;
    out.push({ oid: link.name, path: target ?? join('pg_tblspc', link.name) });
  }
  return out;
}

/** A tar backup's tablespaces by their <oid>.tar* files, when its tablespace_map was not read. */
function tablespaceTars(entries: readonly Entry[]): Tablespace[] {
  return entries.flatMap((e) => {
    const match = /^(\d{1,10})\.tar(?:\.gz|\.zst|\.lz4)?$/.exec(e.name);
    return match ? [{ oid: match[1]!, path: '' }] : [];
  });
}
