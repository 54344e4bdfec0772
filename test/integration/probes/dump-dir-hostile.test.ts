// The dump-dir probe on a booby-trapped directory (test/support/hostile-dump-dir.ts): FIFOs where dumps and
// toc.dat should be, symlinks to a mode-600 secret outside, names that are shell code, options or escape
// sequences. A poll must finish, say what each trap is, read the good dumps, and quote nothing of the secret.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import type { Observation } from '../../../electron/engine/sources/probe';
import { readDirectoryDumpHeader, readDumpFileHeader } from '../../../electron/engine/pg-dump/dump-files';
import { clientOrThrow } from '../../support/postgres-fixtures';
import { expectedProblems, makeHostileDumpDir, type HostileDumpDir } from '../../support/hostile-dump-dir';

let root: string;
let customDump: string;
let directoryDump: string;
let hostile: HostileDumpDir;

function source(path: string): DumpDirSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'trapped', kind: 'dump-dir', path, settle: '0s' }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as DumpDirSourceConfig;
}

/** The probe, or a failure after 15 s: a blocking open of a FIFO never returns, and the test must say so. */
async function observeWithin(path: string): Promise<Observation> {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config is invalid');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the poll hung')), 15_000)));
  try {
    return await Promise.race([dumpDirProbe.observe(source(path), { signal: new AbortController().signal, timeoutMs: 30_000, config: parsed.config, now: () => Date.now() }), hung]);
  } finally {
    clearTimeout(timer);
  }
}

const byName = (dir: string, observation: Observation) => new Map<string, ObservedBackup>(observation.backups.map((b) => [b.key.slice(dir.length + 1), b]));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-hostile-'));
  const made = join(root, 'made');
  mkdirSync(made);
  customDump = join(made, 'orders.dump');
  directoryDump = join(made, 'orders.dir');
  await ScratchCluster.with({ purpose: 'hostile dump-dir test', minMajor: 15 }, async (cluster) => {
    const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c', 'CREATE TABLE customer AS SELECT g AS id FROM generate_series(1, 100) g']);
    await client('pg_dump', ['-Fc', '-f', customDump, 'orders']);
    await client('pg_dump', ['-Fd', '-f', directoryDump, 'orders']);
  });
  hostile = makeHostileDumpDir(join(root, 'dumps'), join(root, 'outside'), customDump, directoryDump);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('dump-dir probe on a hostile directory', () => {
  it('finishes, names every trap, and still reads the good dumps, whatever their names', async () => {
    const backups = byName(hostile.dir, await observeWithin(hostile.dir));
    const seen = Object.fromEntries([...backups].map(([name, b]) => [name, b.readable ? null : b.problem]));
    expect(seen).toEqual(expectedProblems(hostile));
    for (const [name, problem] of Object.entries(expectedProblems(hostile))) {
      if (problem === null) expect(backups.get(name)!.meta?.header, name).toMatchObject({ format: 'custom', dbName: 'orders' });
    }
    // Never opened, so nothing is known of them but that they are there.
    for (const name of ['fifo.dump', 'secret.dump']) expect(backups.get(name)!.sizeBytes, name).toBe(0);
    expect(backups.get('fifo-toc.dump')!.meta?.header?.format).toBe('directory');
  });

  it('never quotes the secret a symlink points at, nor tells its size', async () => {
    const observation = await observeWithin(hostile.dir);
    const text = JSON.stringify(observation);
    expect(text).not.toContain(hostile.secret);
    expect(text).not.toContain('root:');
    expect(observation.backups.find((b) => b.key.endsWith('/secret.dump'))).toMatchObject({ sizeBytes: 0, readable: false });
  });

  it('contains a watched directory reached through a symlink in itself: its own links still count', async () => {
    const via = join(root, 'via-link');
    symlinkSync(hostile.dir, via);
    const backups = byName(via, await observeWithin(via));
    expect(backups.get('latest.dump')).toMatchObject({ readable: true });
    expect(backups.get('secret.dump')!.problem).toBe('is a symlink to outside the dump directory; not read');
  });

  it('stays responsive with more FIFO toc.dat files than libuv has pool threads', async () => {
    const many = join(root, 'many-fifos');
    mkdirSync(many);
    copyFileSync(customDump, join(many, 'good.dump'));
    for (let i = 0; i < 10; i++) {
      cpSync(directoryDump, join(many, `trap-${i}.dump`), { recursive: true });
      rmSync(join(many, `trap-${i}.dump`, 'toc.dat'));
      execFileSync('mkfifo', [join(many, `trap-${i}.dump`, 'toc.dat')]);
    }
    const backups = byName(many, await observeWithin(many));
    expect(backups.get('good.dump')).toMatchObject({ readable: true });
    for (let i = 0; i < 10; i++) expect(backups.get(`trap-${i}.dump`)!.problem).toBe('toc.dat is a FIFO, not a dump file');
  });

  it('protects the header readers drills use too: a FIFO is not opened, a link out is not followed', async () => {
    const fifo = await readDumpFileHeader(join(hostile.dir, 'fifo.dump'), 0);
    expect(fifo).toMatchObject({ readable: false, problem: 'is a FIFO, not a dump file' });
    const link = await readDumpFileHeader(join(hostile.dir, 'secret.dump'), 100);
    expect(link).toMatchObject({ readable: false, problem: 'is a symlink to outside the dump directory; not read' });
    const toc = await readDirectoryDumpHeader(join(hostile.dir, 'fifo-toc.dump'));
    expect(toc.problem).toBe('toc.dat is a FIFO, not a dump file');
  });
});
