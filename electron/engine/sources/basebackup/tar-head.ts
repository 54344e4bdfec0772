// The first members of a tar stream, read from its first bytes only: pg_basebackup writes backup_label first
// in base.tar (then tablespace_map and the data directory's top entries, PG_VERSION among them), and the WAL
// segments first in pg_wal.tar, so a few hundred kilobytes tell what a backup of any size is. Nothing is
// extracted and no name from the tarball reaches the file system.
//
// ustar headers (POSIX.1-1988) as PostgreSQL's tarCreateHeader writes them: the name in the first 100 bytes
// (with the ustar prefix field for longer paths), the size in octal at 124 (or base-256 for huge members),
// the type at 156. GNU long-name ('L') and pax ('x', 'g') headers are skipped over correctly.

const BLOCK = 512;

export interface TarMember {
  name: string;
  /** Size as the header states it. */
  size: number;
  /** The type flag: '0' (or NUL) a regular file, '5' a directory, '2' a symlink. */
  type: string;
  /** The member's content when it was asked for and the data held all of it; null otherwise. */
  content: Buffer | null;
}

export interface TarHead {
  members: TarMember[];
  /** The data ended inside the archive (more bytes would show more members); false at the end-of-archive blocks. */
  cut: boolean;
  /** A header's checksum did not match, or its size field was not a number: not a tar stream (or a damaged one). */
  damaged: boolean;
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
}

function sizeField(block: Buffer): number | null {
  if (block[124]! & 0x80) {
    // base-256: the remaining bits, big-endian
    let value = 0;
    for (let i = 125; i < 136; i++) value = value * 256 + block[i]!;
    return Number.isSafeInteger(value) ? value : null;
  }
  const octal = text(block, 124, 12).trim();
  return /^[0-7]{1,12}$/.test(octal) ? Number.parseInt(octal, 8) : octal === '' ? 0 : null;
}

function checksumOk(block: Buffer): boolean {
  const stated = text(block, 148, 8).trim();
  if (!/^[0-7]{1,8}$/.test(stated)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === Number.parseInt(stated, 8);
}

/**
 * The members in `data` (the first bytes of a tar stream), up to `maxMembers`; the content of each member named
 * in `want` (at most `maxContent` bytes each, else null) is kept.
 */
export function readTarHead(data: Buffer, want: ReadonlySet<string>, options: { maxMembers?: number; maxContent?: number } = {}): TarHead {
  const maxMembers = options.maxMembers ?? 64;
  const maxContent = options.maxContent ?? 1024 * 1024;
  const members: TarMember[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (members.length < maxMembers) {
    if (offset + BLOCK > data.length) return { members, cut: true, damaged: false };
    const block = data.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) return { members, cut: false, damaged: false };
    const size = sizeField(block);
    if (size === null || !checksumOk(block)) return { members, cut: false, damaged: true };
    const type = String.fromCharCode(block[156]!) === '\0' ? '0' : String.fromCharCode(block[156]!);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      // GNU long name: the next header's name is this member's content.
      if (dataEnd > data.length) return { members, cut: true, damaged: false };
      longName = text(data.subarray(dataStart, dataEnd), 0, size);
      continue;
    }
    if (type === 'x' || type === 'g') continue; // pax headers: nothing pg_basebackup writes needs them
    const prefix = text(block, 257, 6) === 'ustar' ? text(block, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    longName = null;
    const wanted = want.has(name.replace(/^\.\//, '')) && size <= maxContent && dataEnd <= data.length;
    members.push({ name: name.replace(/^\.\//, ''), size, type, content: wanted ? Buffer.from(data.subarray(dataStart, dataEnd)) : null });
  }
  return { members, cut: false, damaged: false };
}
