// A snapshot's files, as a drill unpacks them: a real restic snapshot holding a setuid file owned by another
// user, a setgid directory and a FIFO, unpacked through the drill's jail (the drill's user, its sandbox). Nothing
// may keep the archive's owners, a setuid or setgid bit, or become a special file that a later step could open.
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateConfig, type ResticSourceConfig } from '../../../shared/config';
import { DrillJail } from '../../../electron/engine/drills/drill-jail';
import { copySnapshot } from '../../../electron/engine/sources/restic/drill-copy';
import { walkTree } from '../../../electron/engine/drills/snapshot-tree';
import { run } from '../../../electron/engine/exec';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';
import { restic } from '../../support/restic-fixtures';

const root = testParentDir('snapshot-unpack');
const passwordFile = join(root, 'password');
const repo = join(root, 'repo');
const tree = join(root, 'tree');
const job = { passwordFile, cacheDir: join(root, 'cache') };
let snapshot = '';
const isRoot = process.getuid?.() === 0;

beforeAll(async () => {
  writeFileSync(passwordFile, 'unpack password', { mode: 0o600 });
  mkdirSync(join(tree, 'shared'), { recursive: true });
  writeFileSync(join(tree, 'tool'), '#!/bin/sh\nid\n');
  chmodSync(join(tree, 'tool'), 0o4755);
  chmodSync(join(tree, 'shared'), 0o2775);
  // Owned by a user that is not the drill's: as root, a tar that kept owners would hand it to uid 4242.
  if (isRoot) chownSync(join(tree, 'tool'), 4242, 4242);
  const fifo = await run('mkfifo', [join(tree, 'pipe')]);
  expect(fifo.code).toBe(0);
  await restic(job, repo, ['init']);
  await restic(job, repo, ['backup', tree]);
  snapshot = (JSON.parse(await restic(job, repo, ['snapshots', '--json'])) as { id: string }[]).at(-1)!.id;
}, 60_000);

afterAll(() => removeTestParentDir(root));

it('unpacks as the drill user: no setuid or setgid bit, no foreign owner, no special file', async () => {
  const parsed = validateConfig({ sources: [{ id: 'unpack', kind: 'restic', repo, passwordFile }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const source = parsed.config.sources[0] as ResticSourceConfig;
  const jail = await DrillJail.create(root, 'unpack test');
  const dest = join(jail.dir, 'restore');
  mkdirSync(dest, { mode: 0o700 });
  if (jail.runAs) chownSync(dest, jail.runAs.uid, jail.runAs.gid);
  await copySnapshot(source, snapshot, dest, { signal: new AbortController().signal, timeoutMs: 60_000, untar: jail.untar, onProgress: () => {} });
  const walked = await walkTree(dest, { makeInert: true });
  const unpacked = join(dest, tree);
  const tool = statSync(join(unpacked, 'tool'));
  const shared = statSync(join(unpacked, 'shared'));
  expect(tool.mode & 0o7000).toBe(0);
  expect(shared.mode & 0o7000).toBe(0);
  expect(tool.mode & 0o111).not.toBe(0); // still the file it was, minus the bits that would give power
  const me = jail.runAs?.uid ?? process.getuid!();
  expect(tool.uid).toBe(me);
  expect(shared.uid).toBe(me);
  // restic dump writes no FIFOs: the snapshot's pipe is not there to be opened by anything later.
  expect(readdirSync(unpacked).sort()).toEqual(['shared', 'tool']);
  expect(walked.special.count).toBe(0);
}, 120_000);
