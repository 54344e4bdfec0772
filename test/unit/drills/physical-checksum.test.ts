// A physical drill's checksum (issue 17; model.ts BackupChecksum): a tar run as the sorted sha256sum manifest of
// its files, each hashed while the restore reads it or as it passes through here; a manifest file hashed as
// sha256sum would, never through a link; bytes through a tool's stdout hashed exactly, whatever they are; and
// every way of not having one said in words, never a rejection.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DrillProvenance } from '../../../shared/model';
import { run } from '../../../electron/engine/exec';
import { HashingSink, manifestChecksum } from '../../../electron/engine/drills/backup-checksum';
import { recordChecksum } from '../../../electron/engine/drills/physical-drill';
import { TarRunHashes } from '../../../electron/engine/drills/tar-run';
import { manifestRepoPath } from '../../../electron/engine/sources/pgbackrest/backup-manifest';
import { directoryManifestOf, sha256sumOf } from '../../support/sha256sum';

const dir = mkdtempSync(join(tmpdir(), 'backup-health-physical-checksum-'));
const sha = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const never = new AbortController().signal;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runDir(name: string, files: Record<string, string | Buffer>): string {
  const path = join(dir, name);
  mkdirSync(path);
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(path, file), bytes);
  return path;
}

describe('a tar run hashed as it is read', () => {
  it('is the sorted sha256sum manifest of its directory: files hashed alongside, the manifest as it passed, the rest at the end', async () => {
    const run1 = runDir('run1', { 'base.tar.gz': Buffer.alloc(2 * 1024 * 1024 + 5, 3), 'pg_wal.tar.gz': 'wal', '16390.tar.gz': 'tablespace', backup_manifest: '{"PostgreSQL-Backup-Manifest-Version": 1}\n', 'Z-stray': 'x' });
    const hashes = new TarRunHashes({}, run1, never);
    hashes.alongside('base.tar.gz');
    hashes.alongside('pg_wal.tar.gz');
    hashes.alongside('16390.tar.gz');
    hashes.finish(['base.tar.gz', 'pg_wal.tar.gz', '16390.tar.gz', 'backup_manifest', 'Z-stray']);
    const sink = new HashingSink();
    sink.end(Buffer.from('{"PostgreSQL-Backup-Manifest-Version": 1}\n'));
    hashes.passed('backup_manifest', sink);
    expect(await hashes.outcome()).toEqual({ checksum: { algorithm: 'sha256', of: 'directory-manifest', ...directoryManifestOf(run1) } });
  });

  it('leaves out dot-files, as ls does', async () => {
    const run2 = runDir('run2', { 'base.tar': 'base', '.hidden': 'not listed by ls' });
    const hashes = new TarRunHashes({}, run2, never);
    hashes.finish(['base.tar', '.hidden']);
    expect(await hashes.outcome()).toEqual({ checksum: { algorithm: 'sha256', of: 'directory-manifest', ...directoryManifestOf(run2) } });
  });

  it('has none, saying why, for a link in the run, an unfinished unpack, a stopped drill, or a run on another host', async () => {
    const run3 = runDir('run3', { 'base.tar': 'base' });
    writeFileSync(join(dir, 'outside'), 'not the backup');
    symlinkSync(join(dir, 'outside'), join(run3, 'pg_wal.tar'));
    const linked = new TarRunHashes({}, run3, never);
    linked.finish(['base.tar', 'pg_wal.tar']);
    expect(await linked.outcome()).toEqual({ missing: "pg_wal.tar could not be hashed (not a regular file: drills never follow a backup's links, or unreadable)" });

    const unfinished = new TarRunHashes({}, run3, never);
    unfinished.alongside('base.tar');
    expect(await unfinished.outcome()).toEqual({ missing: 'the restore stopped before it had read every file of the run' });

    const stopped = new TarRunHashes({}, run3, AbortSignal.abort());
    stopped.finish(['base.tar']);
    expect(await stopped.outcome()).toEqual({ missing: 'the drill was stopped before the run was hashed' });

    const remote = new TarRunHashes({ host: 'db1.example' }, '/nowhere', never);
    remote.alongside('base.tar');
    remote.finish(['base.tar']);
    expect(await remote.outcome()).toEqual({ missing: 'a tar run on db1.example is unpacked straight from ssh into tar, so its bytes never pass through Backup Health to be hashed' });
  });
});

describe('a backup manifest hashed', () => {
  it('here: as sha256sum gives it, named by its file', async () => {
    const tree = runDir('tree', { backup_manifest: '{"Files": []}\n' });
    const path = join(tree, 'backup_manifest');
    expect(await manifestChecksum({}, path, never, 10_000)).toEqual({ checksum: { algorithm: 'sha256', of: 'backup-manifest', file: 'backup_manifest', hex: sha256sumOf(path), bytes: 14 } });
  });

  it('never through a link; a missing one or a stopped drill said in words', async () => {
    const tree = runDir('tree2', {});
    symlinkSync(join(dir, 'outside'), join(tree, 'backup_manifest'));
    expect(await manifestChecksum({}, join(tree, 'backup_manifest'), never, 10_000)).toEqual({ missing: 'its backup_manifest is a link, which drills never follow' });
    expect(await manifestChecksum({}, join(dir, 'none', 'backup_manifest'), never, 10_000)).toEqual({ missing: `the backup has no backup_manifest (${join(dir, 'none', 'backup_manifest')})` });
    writeFileSync(join(dir, 'backup.manifest'), 'x');
    expect(await manifestChecksum({}, join(dir, 'backup.manifest'), AbortSignal.abort(), 10_000)).toEqual({ missing: 'the drill was stopped before its backup.manifest was read' });
  });

  it("through a tool's stdout: every byte hashed as it was, not as text, and kept for the caller", async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a, 0xc3]);
    writeFileSync(join(dir, 'binary'), bytes);
    const sink = new HashingSink(1024);
    const result = await run('cat', ['--', join(dir, 'binary')], { stdoutTo: sink });
    expect(result.code).toBe(0);
    expect(sink.digest()).toEqual({ hex: sha(bytes), bytes: 6 });
    expect(sink.contents().equals(bytes)).toBe(true);
  });
});

describe('the provenance of a physical drill', () => {
  it('records the checksum, or why there is none', () => {
    const provenance: DrillProvenance = { host: 'h', tools: {}, scratchServer: null };
    recordChecksum(provenance, { missing: 'an rsync backup (backup_method = rsync) has no backup_manifest to name its files' });
    expect(provenance).toEqual({ host: 'h', tools: {}, scratchServer: null, checksumMissing: 'an rsync backup (backup_method = rsync) has no backup_manifest to name its files' });
    const checksum = { algorithm: 'sha256' as const, hex: sha('m'), of: 'backup-manifest' as const, bytes: 1, file: 'backup.manifest' };
    const other: DrillProvenance = { host: 'h', tools: {}, scratchServer: null };
    recordChecksum(other, { checksum });
    expect(other.checksum).toEqual(checksum);
    expect(other.checksumMissing).toBeUndefined();
  });

  it("puts only pgBackRest's own labels into a repository path", () => {
    expect(manifestRepoPath('demo', '20261204-010000F')).toBe('backup/demo/20261204-010000F/backup.manifest');
    expect(manifestRepoPath('demo', '20261204-010000F_20261204-020000I')).toBe('backup/demo/20261204-010000F_20261204-020000I/backup.manifest');
    expect(manifestRepoPath('demo', '../../etc')).toBeNull();
    expect(manifestRepoPath('demo', '20261204-010000F/../x')).toBeNull();
    expect(manifestRepoPath('../x', '20261204-010000F')).toBeNull();
  });
});
