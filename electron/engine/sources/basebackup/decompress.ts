// The first bytes of a compressed tarball, decompressed as far as they go: gzip through node's zlib, zstd and
// lz4 through the local `zstd` and `lz4` tools (pg_basebackup --compress=zstd|lz4 writes their frame formats).
// The input is only the head of the file, so the stream ends early by design: whatever decompressed before
// that is the answer. The output is capped, so a head that decompresses to gigabytes of zeros costs nothing.
import { Writable } from 'node:stream';
import { constants, createGunzip } from 'node:zlib';
import { run } from '../../exec';

export type TarCompression = 'none' | 'gzip' | 'zstd' | 'lz4';

/** The tool each compression needs here, and the Debian/Ubuntu package that has it. */
export const DECOMPRESSORS: Record<'zstd' | 'lz4', { tool: string; args: string[]; install: string }> = {
  zstd: { tool: 'zstd', args: ['-dcq'], install: 'install zstd (apt install zstd, dnf install zstd)' },
  lz4: { tool: 'lz4', args: ['-dcq'], install: 'install lz4 (apt install lz4, dnf install lz4)' },
};

export type Decompressed = { ok: true; data: Buffer } | { ok: false; missingTool: string; install: string };

/** Collects bytes up to `cap`, then fails, which stops the tool writing them. */
function collector(cap: number): { sink: Writable; data(): Buffer } {
  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const room = cap - total;
      if (room > 0) {
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(part);
        total += part.length;
      }
      done(total >= cap ? new Error('enough read') : undefined);
    },
  });
  return { sink, data: () => Buffer.concat(chunks) };
}

function gunzipHead(input: Buffer, cap: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    // SYNC_FLUSH: a stream that simply stops (our cut) yields what it decoded, not an "unexpected end" error.
    const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
    const done = () => resolve(Buffer.concat(chunks).subarray(0, cap));
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= cap) {
        gunzip.destroy();
        done();
      }
    });
    gunzip.on('end', done);
    gunzip.on('error', done); // damaged data: what decoded before it
    gunzip.on('close', done);
    gunzip.end(input);
  });
}

/** Decompress the head of a file compressed with `compression`, up to `cap` bytes of output. */
export async function decompressHead(input: Buffer, compression: TarCompression, cap: number, signal?: AbortSignal): Promise<Decompressed> {
  if (compression === 'none') return { ok: true, data: input.subarray(0, cap) };
  if (compression === 'gzip') return { ok: true, data: await gunzipHead(input, cap) };
  const { tool, args, install } = DECOMPRESSORS[compression];
  const out = collector(cap);
  const result = await run(tool, args, { input, stdoutTo: out.sink, timeoutMs: 60_000, signal });
  if (result.spawnError?.code === 'ENOENT') return { ok: false, missingTool: tool, install };
  return { ok: true, data: out.data() };
}

/** The compression of a tarball by its name's suffix: base.tar, base.tar.gz, base.tar.zst, base.tar.lz4. */
export function tarCompression(name: string): TarCompression | null {
  if (name.endsWith('.tar')) return 'none';
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'gzip';
  if (name.endsWith('.tar.zst')) return 'zstd';
  if (name.endsWith('.tar.lz4')) return 'lz4';
  return null;
}

/**
 * The uncompressed size a zstd frame's header states (RFC 8878 3.1.1: Frame_Content_Size), from its first 18
 * bytes; null when the frame does not state it (zstd writing from a pipe) or the bytes are no zstd frame.
 */
export function zstdContentSize(head: Buffer): number | null {
  if (head.length < 6 || head.readUInt32LE(0) !== 0xfd2fb528) return null;
  const descriptor = head[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (head.length < at + fcsBytes) return null;
  if (fcsBytes === 1) return head[at]!;
  if (fcsBytes === 2) return head.readUInt16LE(at) + 256;
  if (fcsBytes === 4) return head.readUInt32LE(at);
  const size = head.readBigUInt64LE(at);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : null;
}
