// The dump checksum's rules (model.ts BackupChecksum): a file as sha256sum hashes it; a directory dump as the
// SHA-256 of its members' sha256sum lines sorted by name in byte order, whichever order they were hashed in; a
// link or special file is never read; a stopped drill stops the hash.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksumAlongside, directoryManifest, fileChecksum, manifestOf } from '../../../electron/engine/drills/backup-checksum';

const dir = mkdtempSync(join(tmpdir(), 'backup-health-checksum-'));
const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backup checksum', () => {
  it('hashes a file whole, across reads', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    writeFileSync(join(dir, 'big.dump'), big);
    expect(await fileChecksum(join(dir, 'big.dump'))).toEqual({ algorithm: 'sha256', hex: sha(big), of: 'file', bytes: big.length });
  });

  it('hashes a directory dump as its sorted sha256sum lines, equal to the manifest of members hashed in any order', async () => {
    const dump = join(dir, 'shop.dir');
    mkdirSync(dump);
    const members = { 'toc.dat': 'toc', '3001.dat.gz': 'rows', '10.dat.gz': 'more rows', 'Z.dat': 'upper case sorts first' };
    for (const [name, text] of Object.entries(members)) writeFileSync(join(dump, name), text);
    const lines = ['10.dat.gz', '3001.dat.gz', 'Z.dat', 'toc.dat'].map((name) => `${sha(members[name as keyof typeof members])}  ${name}\n`).join('');
    const expected = { algorithm: 'sha256', hex: sha(lines), of: 'directory-manifest', bytes: Object.values(members).join('').length };
    expect(await directoryManifest(dump)).toEqual(expected);
    expect(manifestOf(Object.entries(members).reverse().map(([name, text]) => ({ name, hex: sha(text), bytes: text.length })))).toEqual(expected);
  });

  it('gives none for a link, a missing file or a stopped drill, and never rejects', async () => {
    writeFileSync(join(dir, 'target'), 'secret');
    symlinkSync(join(dir, 'target'), join(dir, 'link.dump'));
    const never = new AbortController().signal;
    expect(await checksumAlongside(join(dir, 'link.dump'), false, never)).toBeNull();
    expect(await checksumAlongside(join(dir, 'missing.dump'), false, never)).toBeNull();
    expect(await checksumAlongside(join(dir, 'target'), false, AbortSignal.abort())).toBeNull();
    expect((await checksumAlongside(join(dir, 'target'), false, never))?.hex).toBe(sha('secret'));
  });
});
