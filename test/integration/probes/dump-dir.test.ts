// The dump-dir probe on a directory of real pg_dump 15 outputs in every format, plus the broken files a
// failing backup job leaves behind. Permission errors are checked as an unprivileged user, for real.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { clientOrThrow } from '../../support/postgres-fixtures';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import type { ProbeContext, Observation } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';

const PROBE_SOURCE = fileURLToPath(new URL('../../../electron/engine/sources/dump-dir/index.ts', import.meta.url));

let root: string; // removed in afterAll
let dumps: string; // the directory the probe watches
let dumpStarted: number;
let dumpFinished: number;

function source(path: string, pattern?: string): DumpDirSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'orders-dumps', kind: 'dump-dir', path, settle: '0s', ...(pattern ? { pattern } : {}) }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as DumpDirSourceConfig;
}

function context(signal = new AbortController().signal): ProbeContext {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config is invalid');
  return { signal, timeoutMs: 30_000, config: parsed.config, now: () => Date.now() };
}

const observe = (path: string, pattern?: string): Promise<Observation> => dumpDirProbe.observe(source(path, pattern), context());

function byName(observation: Observation): Map<string, ObservedBackup> {
  return new Map(observation.backups.map((b) => [b.key.slice(dumps.length + 1), b]));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-dumpdir-'));
  dumps = join(root, 'orders');
  mkdirSync(dumps);
  await ScratchCluster.with({ purpose: 'dump-dir test', minMajor: 15 }, async (cluster) => {
    const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
    await client('psql', [
      '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c',
      `CREATE TABLE customer (id int PRIMARY KEY, name text);
       CREATE TABLE line_item (id bigint PRIMARY KEY, customer_id int REFERENCES customer, note text);
       INSERT INTO customer SELECT g, 'customer ' || g FROM generate_series(1, 2000) g;
       INSERT INTO line_item SELECT g, 1 + g % 2000, md5(g::text) FROM generate_series(1, 20000) g;`,
    ]);
    dumpStarted = Date.now();
    await client('pg_dump', ['-Fc', '-f', join(dumps, 'orders-custom.dump'), 'orders']);
    await client('pg_dump', ['-Fd', '-f', join(dumps, 'orders-directory.dump'), 'orders']);
    await client('pg_dump', ['-Ft', '-f', join(dumps, 'orders-tar.tar'), 'orders']);
    await client('pg_dump', ['-Fp', '-f', join(dumps, 'orders-plain.sql'), 'orders']);
    await client('pg_dump', ['-Fp', '--create', '-Z', '6', '-f', join(dumps, 'orders-plain.sql.gz'), 'orders']);
    await client('pg_dumpall', ['-f', join(dumps, 'cluster.sql')]);
    dumpFinished = Date.now();
  });
  // What failing jobs leave behind.
  writeFileSync(join(dumps, 'orders-empty.dump'), '');
  writeFileSync(join(dumps, 'orders-garbage.dump'), 'pg_dump: error: aborting because of server version mismatch\n');
  copyFileSync(join(dumps, 'orders-custom.dump'), join(dumps, 'orders-cut.dump'));
  truncateSync(join(dumps, 'orders-cut.dump'), 20);
  mkdirSync(join(dumps, 'orders-unfinished.dump'));
  writeFileSync(join(dumps, 'README.txt'), 'dumps of the orders database, nightly\n');
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('dump-dir probe', () => {
  it('reads the header of every pg_dump format', async () => {
    const backups = byName(await observe(dumps));
    for (const [name, format] of [
      ['orders-custom.dump', 'custom'],
      ['orders-directory.dump', 'directory'],
      ['orders-tar.tar', 'tar'],
    ] as const) {
      const backup = backups.get(name)!;
      expect(backup, name).toMatchObject({ type: 'dump', readable: true, problem: null, key: join(dumps, name) });
      const header = backup.meta!.header!;
      expect(header).toMatchObject({ format, archiveVersion: '1.14', dbName: 'orders' });
      expect(header.serverVersion).toMatch(/^15\.\d+ /);
      expect(header.pgDumpVersion).toMatch(/^15\.\d+ /);
      // One-second precision; the header is written when pg_dump starts.
      expect(header.createdAt!).toBeGreaterThanOrEqual(dumpStarted - 1000);
      expect(header.createdAt!).toBeLessThanOrEqual(dumpFinished);
    }
    expect(backups.get('orders-custom.dump')!.meta!.header!.compression).toBe('gzip');
    expect(backups.get('orders-tar.tar')!.meta!.header!.compression).toBe('none');

    const plain = backups.get('orders-plain.sql')!;
    expect(plain).toMatchObject({ readable: true, problem: null, meta: { header: { format: 'plain' } } });
    expect(plain.meta!.header!.serverVersion).toMatch(/^15\.\d+ /);
    expect(plain.meta!.header!.pgDumpVersion).toMatch(/^15\.\d+ /);
    const gzipped = backups.get('orders-plain.sql.gz')!;
    expect(gzipped).toMatchObject({ readable: true, meta: { header: { format: 'plain-gzip', dbName: 'orders' } } });
    expect(gzipped.meta!.header!.pgDumpVersion).toMatch(/^15\.\d+ /);
    const cluster = backups.get('cluster.sql')!;
    expect(cluster).toMatchObject({ readable: true, meta: { header: { format: 'plain' }, clusterDump: true } });
  });

  it('takes size and time from the file system; a directory archive counts all its files', async () => {
    const observation = await observe(dumps);
    const backups = byName(observation);
    const custom = statSync(join(dumps, 'orders-custom.dump'));
    expect(backups.get('orders-custom.dump')).toMatchObject({ sizeBytes: custom.size, finishedAt: Math.trunc(custom.mtimeMs) });
    expect(custom.size).toBeGreaterThan(100_000);

    const dir = join(dumps, 'orders-directory.dump');
    const files = readdirSync(dir).map((f) => statSync(join(dir, f)));
    expect(files.length).toBeGreaterThan(2); // toc.dat and one data file per table
    expect(backups.get('orders-directory.dump')).toMatchObject({
      sizeBytes: files.reduce((sum, f) => sum + f.size, 0),
      finishedAt: Math.trunc(Math.max(...files.map((f) => f.mtimeMs))),
    });
    expect(observation.metrics).toEqual({
      kind: 'dump-dir',
      fileCount: observation.backups.length,
      totalBytes: observation.backups.reduce((sum, b) => sum + b.sizeBytes, 0),
      inProgress: 0,
    });
  });

  it('leaves dumps still being written out until they settle', async () => {
    const settling = { ...source(dumps), settle: 10 * 60_000 };
    const all = await observe(dumps);
    const { mtimeMs } = statSync(join(dumps, 'orders-custom.dump'));
    // A minute after the custom dump was written, with a 10-minute settle time: not judged yet.
    const soon = await dumpDirProbe.observe(settling, { ...context(), now: () => Math.trunc(mtimeMs) + 60_000 });
    expect(byName(soon).has('orders-custom.dump')).toBe(false);
    expect(all.backups.length - soon.backups.length).toBeGreaterThan(0);
    expect(soon.metrics).toMatchObject({ inProgress: all.backups.length - soon.backups.length });
    // Once older than the settle time, everything is judged.
    const later = await dumpDirProbe.observe(settling, { ...context(), now: () => Date.now() + 11 * 60_000 });
    expect(later.backups.length).toBe(all.backups.length);
    expect(later.metrics).toMatchObject({ inProgress: 0 });
  });

  it('records empty, garbage and truncated dumps as unreadable instead of skipping them', async () => {
    const backups = byName(await observe(dumps));
    expect(backups.get('orders-empty.dump')).toMatchObject({ sizeBytes: 0, readable: false, problem: 'empty file (0 bytes): pg_dump probably failed' });
    expect(backups.get('orders-garbage.dump')).toMatchObject({ readable: false, problem: 'not a pg_dump file' });
    expect(backups.get('orders-cut.dump')).toMatchObject({ sizeBytes: 20, readable: false });
    expect(backups.get('orders-cut.dump')!.problem).toContain('header cut short at 20 bytes');
    expect(backups.get('orders-unfinished.dump')).toMatchObject({ sizeBytes: 0, readable: false });
    expect(backups.get('orders-unfinished.dump')!.problem).toContain('directory without toc.dat');
    expect(backups.get('README.txt')!.readable).toBe(false);
  });

  it('only looks at entries matching the pattern', async () => {
    const custom = await observe(dumps, 'orders-*.dump');
    expect([...byName(custom).keys()].sort()).toEqual([
      'orders-custom.dump',
      'orders-cut.dump',
      'orders-directory.dump',
      'orders-empty.dump',
      'orders-garbage.dump',
      'orders-unfinished.dump',
    ]);
    const sql = await observe(dumps, '*.{sql,sql.gz}');
    expect([...byName(sql).keys()].sort()).toEqual(['cluster.sql', 'orders-plain.sql', 'orders-plain.sql.gz']);
    expect(sql.metrics).toMatchObject({ fileCount: 3 });
  });

  it('fails with not-found for a directory that does not exist', async () => {
    const missing = join(root, 'no-such-dir');
    const error = await observe(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeError);
    expect(error).toMatchObject({ code: 'not-found', message: `no such directory ${missing}` });
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('probe timed out'));
    await expect(dumpDirProbe.observe(source(dumps), context(controller.signal))).rejects.toThrow('probe timed out');
  });

  it('reads only the first bytes: a 1 TiB sparse dump is observed at once', async () => {
    const bigDir = join(root, 'big');
    mkdirSync(bigDir);
    copyFileSync(join(dumps, 'orders-custom.dump'), join(bigDir, 'huge.dump'));
    truncateSync(join(bigDir, 'huge.dump'), 2 ** 40);
    const [huge] = (await observe(bigDir)).backups;
    expect(huge).toMatchObject({ sizeBytes: 2 ** 40, readable: true, meta: { header: { dbName: 'orders' } } });
  });

  it('reports permission-denied for a directory it cannot list, and a file it cannot read as unreadable', async () => {
    const locked = join(root, 'locked');
    const open = join(root, 'open');
    mkdirSync(locked);
    mkdirSync(open);
    copyFileSync(join(dumps, 'orders-custom.dump'), join(locked, 'orders.dump'));
    copyFileSync(join(dumps, 'orders-custom.dump'), join(open, 'public.dump'));
    copyFileSync(join(dumps, 'orders-custom.dump'), join(open, 'secret.dump'));
    chmodSync(locked, 0o700);
    chmodSync(open, 0o755);
    chmodSync(join(open, 'public.dump'), 0o644);
    chmodSync(join(open, 'secret.dump'), 0o600);
    chmodSync(root, 0o755);

    const result = await observeAsUnprivileged(locked, open, join(open, 'secret.dump'));
    expect(result[0]).toMatchObject({ error: { code: 'permission-denied' } });
    expect(result[0]!.error!.message).toMatch(new RegExp(`^permission denied reading ${locked}: user \\S+ \\(uid \\d+\\)`));
    const backups = new Map(result[1]!.backups!.map((b) => [b.key, b]));
    expect(backups.get(join(open, 'public.dump'))).toMatchObject({ readable: true, meta: { header: { dbName: 'orders' } } });
    expect(backups.get(join(open, 'secret.dump'))).toMatchObject({ readable: false, sizeBytes: statSync(join(open, 'secret.dump')).size });
    expect(backups.get(join(open, 'secret.dump'))!.problem).toMatch(/^permission denied/);
  });
});

interface ChildResult {
  error?: { code: string; message: string };
  backups?: ObservedBackup[];
}

/**
 * Runs the probe on `locked` and `open` as a user without privileges: root (as on the test machine) can read
 * anything, so there the probe is bundled and run in a child process as "nobody", who owns none of the files.
 */
async function observeAsUnprivileged(locked: string, open: string, secret: string): Promise<ChildResult[]> {
  const dirs = [locked, open];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    // As a normal user, a mode of 000 really does lock us out.
    chmodSync(locked, 0o000);
    chmodSync(secret, 0o000);
    try {
      return await Promise.all(
        dirs.map((dir) => observe(dir).then((o) => ({ backups: o.backups }), (e: ProbeError) => ({ error: { code: e.code, message: e.message } }))),
      );
    } finally {
      chmodSync(locked, 0o700);
    }
  }
  const bundleDir = join(root, 'bundle');
  mkdirSync(bundleDir, { mode: 0o755 });
  const entry = join(bundleDir, 'entry.ts');
  writeFileSync(
    entry,
    `import { dumpDirProbe } from ${JSON.stringify(PROBE_SOURCE)};
const ctx = { signal: new AbortController().signal, timeoutMs: 30000, config: {}, now: () => Date.now() };
const results = [];
for (const path of process.argv.slice(2)) {
  try {
    results.push({ backups: (await dumpDirProbe.observe({ id: 'x', kind: 'dump-dir', path, pattern: '*', settle: 0 }, ctx)).backups });
  } catch (e) {
    results.push({ error: { code: e.code, message: e.message } });
  }
}
console.log(JSON.stringify(results));
`,
  );
  const bundle = join(bundleDir, 'probe.mjs');
  // CommonJS dependencies (pg, via the drill code) require Node's builtins at run time: give the bundle a require.
  const banner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent', banner: { js: banner } });
  chmodSync(bundle, 0o644);
  const nobody = { uid: 65534, gid: 65534 };
  const result = await run(process.execPath, [bundle, ...dirs], { ...nobody, cwd: '/', timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'probe as nobody'));
  return JSON.parse(result.stdout) as ChildResult[];
}
