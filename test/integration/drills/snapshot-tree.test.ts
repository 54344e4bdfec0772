// The one walk of a restored snapshot or archive (snapshot-tree.ts), over a tree as hostile as a backup can
// make it: FIFOs (one named toc.dat), a symlink to a newer dump outside, hard links, more files than the cap.
// Opening a FIFO blocks forever, so a walk or a search that opened one would time this test out.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DUMP_CANDIDATES, newestDump, walkTree } from '../../../electron/engine/drills/snapshot-tree';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { clientOrThrow } from '../../support/postgres-fixtures';

const root = mkdtempSync(join(tmpdir(), 'bh-snapshot-tree-'));
const tree = join(root, 'restore');
const outside = join(root, 'outside');

beforeAll(async () => {
  mkdirSync(join(tree, 'srv', 'pg'), { recursive: true });
  mkdirSync(join(tree, 'trap'), { recursive: true });
  mkdirSync(outside);
  await ScratchCluster.with({ purpose: 'snapshot-tree test' }, async (cluster) => {
    const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c', 'CREATE TABLE item AS SELECT g AS id FROM generate_series(1, 100) g']);
    await client('pg_dump', ['-Fc', '-f', join(tree, 'srv', 'pg', 'old.dump'), 'orders']);
    // pg_dump's header says when it ran, to the second: the next dumps are newer.
    await sleep(1100);
    await client('pg_dump', ['-Fd', '-f', join(tree, 'srv', 'pg', 'newer.dir'), 'orders']);
    await sleep(1100);
    await client('pg_dump', ['-Fc', '-f', join(outside, 'newest.dump'), 'orders']);
  });
  linkSync(join(tree, 'srv', 'pg', 'old.dump'), join(tree, 'srv', 'old-again.dump'));
  symlinkSync(join(outside, 'newest.dump'), join(tree, 'srv', 'newest.dump'));
  execFileSync('mkfifo', [join(tree, 'srv', 'pipe.dump'), join(tree, 'trap', 'toc.dat')]);
  writeFileSync(join(tree, 'srv', 'empty.sql'), '');
}, 120_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('walkTree', () => {
  it('counts as restic and borg do, without following links or opening special files', async () => {
    const walked = await walkTree(tree, { findDumps: true });
    const oldSize = statSync(join(tree, 'srv', 'pg', 'old.dump')).size;
    const dirFiles = ['toc.dat', ...readdirSync(join(tree, 'srv', 'pg', 'newer.dir')).filter((n: string) => n !== 'toc.dat')];
    const dirBytes = dirFiles.reduce((sum, n) => sum + statSync(join(tree, 'srv', 'pg', 'newer.dir', n)).size, 0);
    // srv, pg, trap, newer.dir and its files, old.dump twice (a hard link), the link, the two FIFOs, empty.sql
    expect(walked.nodes).toBe(4 + dirFiles.length + 2 + 1 + 2 + 1);
    expect(walked.files).toBe(dirFiles.length + 1 + 1); // the hard link once
    expect(walked.bytes).toBe(oldSize + dirBytes);
    expect(walked.special.count).toBe(2);
    expect(walked.special.paths.sort()).toEqual([join(tree, 'srv', 'pipe.dump'), join(tree, 'trap', 'toc.dat')]);
    // Candidates: the dump file (once, by whichever of its two names came first), the directory dump (not its
    // members), never the link, the FIFOs or empty files.
    const oldNames = [join(tree, 'srv', 'pg', 'old.dump'), join(tree, 'srv', 'old-again.dump')];
    expect(walked.candidates).toHaveLength(2);
    expect(walked.candidates).toContainEqual(expect.objectContaining({ path: join(tree, 'srv', 'pg', 'newer.dir'), kind: 'directory', size: dirBytes }));
    expect(walked.candidates.filter((c) => c.kind === 'file' && oldNames.includes(c.path) && c.size === oldSize)).toHaveLength(1);
    expect(walked.capped).toBe(false);
  });

  it('finds the newest dump in the tree, not the newer one a symlink points to outside it', async () => {
    const dump = await newestDump(await walkTree(tree, { findDumps: true }));
    expect(dump).toMatchObject({ key: join(tree, 'srv', 'pg', 'newer.dir'), type: 'dump', readable: true, meta: { header: { format: 'directory', dbName: 'orders' } } });
  });

  it('reads at most MAX_DUMP_CANDIDATES files looking for dumps, and still counts them all', async () => {
    const many = join(root, 'many');
    mkdirSync(many);
    // One small file per line (split writes them far faster than a loop of writeFileSync).
    execFileSync('sh', ['-c', `seq 1 ${MAX_DUMP_CANDIDATES + 5} | split -l 1 -a 6 - f`], { cwd: many });
    const walked = await walkTree(many, { findDumps: true });
    expect(walked.files).toBe(MAX_DUMP_CANDIDATES + 5);
    expect(walked.candidates).toHaveLength(MAX_DUMP_CANDIDATES);
    expect(walked.capped).toBe(true);
    expect(await newestDump(walked)).toBeNull();
  });

  it('stops when the drill is stopped', async () => {
    await expect(walkTree(tree, { findDumps: true, signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
