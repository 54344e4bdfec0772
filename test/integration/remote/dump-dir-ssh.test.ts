// A dump directory read over ssh through a real sshd on 127.0.0.1 (the "remote" is this machine), compared
// with the local probe on the same directory: the same backups, sizes, times and headers. Then what goes
// wrong with ssh in real life: an unknown host key, a key the server does not accept, nothing listening.
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import type { Drill, DrillProgress, ObservedBackup } from '../../../shared/model';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import type { ProbeContext } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { clientOrThrow, freePort } from '../../support/postgres-fixtures';
import { isAlive } from '../../support/processes';
import { startSshd, type TestSshd } from '../../support/sshd';
import { expectToolVersion } from '../../support/tool-version';
import { TAR } from '../../../electron/engine/drills/drill-jail';

let root: string;
let dumps: string;
let sshd: TestSshd;
/** The test sshd's login is whoever runs the tests (root in CI, bh-tester in its unprivileged run). */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function source(fields: Record<string, unknown>): DumpDirSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'orders-dumps', kind: 'dump-dir', path: dumps, settle: '0s', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as DumpDirSourceConfig;
}

function context(): ProbeContext {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config is invalid');
  return { signal: new AbortController().signal, timeoutMs: 30_000, config: parsed.config, now: () => Date.now() };
}

async function probeError(fields: Record<string, unknown>): Promise<ProbeError> {
  const err = await dumpDirProbe.observe(source(fields), context()).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-remote-dumpdir-'));
  dumps = join(root, 'orders dumps'); // a space, to prove the quoting
  mkdirSync(dumps);
  sshd = await startSshd();
  await ScratchCluster.with({ purpose: 'remote dump-dir test', minMajor: 15 }, async (cluster) => {
    const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
    await client('psql', [
      '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c',
      `CREATE TABLE customer (id int PRIMARY KEY, name text);
       INSERT INTO customer SELECT g, 'customer ' || g FROM generate_series(1, 5000) g;`,
    ]);
    await client('pg_dump', ['-Fc', '-f', join(dumps, 'orders-custom.dump'), 'orders']);
    await client('pg_dump', ['-Fd', '-f', join(dumps, 'orders-directory.dump'), 'orders']);
    await client('pg_dump', ['-Ft', '-f', join(dumps, 'orders-tar.tar'), 'orders']);
    await client('pg_dump', ['-Fp', '-f', join(dumps, 'orders-plain.sql'), 'orders']);
    await client('pg_dump', ['-Fp', '-Z', '6', '-f', join(dumps, 'orders-plain.sql.gz'), 'orders']);
  });
  writeFileSync(join(dumps, 'orders-empty.dump'), '');
  writeFileSync(join(dumps, "orders-'quoted' $(echo no).dump"), 'pg_dump: error: aborting because of server version mismatch\n');
  copyFileSync(join(dumps, 'orders-custom.dump'), join(dumps, 'orders-cut.dump'));
  truncateSync(join(dumps, 'orders-cut.dump'), 20);
  copyFileSync(join(dumps, 'orders-plain.sql'), join(dumps, 'orders-plain-cut.sql'));
  truncateSync(join(dumps, 'orders-plain-cut.sql'), 20_000);
  mkdirSync(join(dumps, 'orders-unfinished.dump'));
  symlinkSync(join(dumps, 'gone.dump'), join(dumps, 'orders-broken-link.dump'));
  writeFileSync(join(dumps, 'README.txt'), 'dumps of the orders database, nightly\n');
}, 120_000);

afterAll(async () => {
  const pid = sshd?.pid;
  await sshd?.stop();
  if (pid) expect(isAlive(pid)).toBe(false);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('dump-dir over ssh', () => {
  it('sees exactly what the local probe sees in the same directory', async () => {
    const local = await dumpDirProbe.observe(source({ pattern: 'orders-*' }), context());
    const remote = await dumpDirProbe.observe(source({ pattern: 'orders-*', host: sshd.host, sshOptions: sshd.sshOptions }), context());
    expect(local.backups.length).toBe(11);
    expect(remote.backups).toEqual(local.backups);
    expect(remote.metrics).toEqual(local.metrics);
    const byName = new Map(remote.backups.map((b) => [b.key.slice(dumps.length + 1), b]));
    expect(byName.get('orders-custom.dump')).toMatchObject({ readable: true, meta: { header: { format: 'custom', dbName: 'orders' } } });
    expect(byName.get('orders-directory.dump')).toMatchObject({ readable: true, meta: { header: { format: 'directory', dbName: 'orders' } } });
    expect(byName.get('orders-plain.sql')).toMatchObject({ readable: true, meta: { header: { format: 'plain' } } });
    expect(byName.get('orders-plain-cut.sql')).toMatchObject({ readable: false });
    expect(byName.get('orders-plain-cut.sql')!.problem).toMatch(/does not end with/);
    expect(byName.get('orders-empty.dump')!.problem).toMatch(/empty file/);
    expect(byName.get('orders-broken-link.dump')!.problem).toMatch(/broken symbolic link/);
    expect(byName.get('orders-unfinished.dump')!.problem).toMatch(/without toc.dat/);
    expect(byName.get("orders-'quoted' $(echo no).dump")!.problem).toMatch(/not a pg_dump file/);
  });

  it('reports a missing remote directory as not found, naming the host', async () => {
    const err = await probeError({ path: join(root, 'nothing-here'), host: sshd.host, sshOptions: sshd.sshOptions });
    expect(err.code).toBe('not-found');
    expect(err.message).toContain(`on ${sshd.host}`);
  });

  it('turns an unknown host key into a config finding that says how to accept it', async () => {
    const err = await probeError({ host: sshd.host, sshOptions: sshd.unknownHostOptions });
    expect(err.code).toBe('config');
    expect(err.message).toBe(`the host key of 127.0.0.1 is not known or changed: connect once with ssh ${sshd.host} to check and accept it`);
  });

  it('turns a key the server does not accept into auth-failed', async () => {
    const err = await probeError({ host: sshd.host, sshOptions: sshd.wrongKeyOptions });
    expect(err.code).toBe('auth-failed');
    expect(err.message).toMatch(/refused the ssh login.*Permission denied \(publickey\)/);
  });

  it('turns a port nothing listens on into refused', async () => {
    const port = await freePort();
    const err = await probeError({ host: sshd.host, sshOptions: [...sshd.sshOptions.filter((o) => !o.startsWith('Port=')), `Port=${port}`] });
    expect(err.code).toBe('refused');
    expect(err.message).toMatch(/refused the ssh connection/);
  });

  it('turns a host that accepts the connection but never answers into a timeout within the probe timeout', async () => {
    // A TCP server that accepts and then says nothing: ssh's ConnectTimeout is over, and it waits for a banner.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const options = [...sshd.sshOptions.filter((o) => !o.startsWith('Port=')), `Port=${port}`];
      const err = await dumpDirProbe.observe(source({ host: sshd.host, sshOptions: options }), { ...context(), timeoutMs: 1500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProbeError);
      expect(err).toMatchObject({ code: 'timeout', message: expect.stringMatching(new RegExp(`^no answer from ${escapeRegExp(sshd.host)} over ssh within \\d+s$`)) });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('drills of dumps over ssh', () => {
  const drillDir = () => {
    // Drills running as root start their clusters as postgres, which must reach the drill dir.
    chmodSync(root, 0o755);
    const dir = join(root, 'drills');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return dir;
  };
  const leftovers = () => readdirSync(drillDir());

  async function drillRemote(name: string, options: { sshOptions?: string[]; backup?: (b: ObservedBackup) => ObservedBackup; signal?: AbortSignal; onProgress?: (p: DrillProgress) => void; path?: string } = {}): Promise<Drill> {
    const fields = { pattern: name, host: sshd.host, sshOptions: options.sshOptions ?? sshd.sshOptions, ...(options.path ? { path: options.path } : {}) };
    const seen = await dumpDirProbe.observe(source({ ...fields, sshOptions: sshd.sshOptions }), context());
    expect(seen.backups).toHaveLength(1);
    const backup = options.backup ? options.backup(seen.backups[0]!) : seen.backups[0]!;
    const parsed = validateConfig({ defaults: { drillDir: drillDir() } });
    if (!parsed.ok) throw new Error('bad config');
    return dumpDirProbe.drill!(source(fields), backup, {
      ...context(),
      config: parsed.config,
      signal: options.signal ?? new AbortController().signal,
      timeoutMs: 120_000,
      onProgress: options.onProgress ?? (() => {}),
    });
  }

  it('copies a custom dump here with byte progress, restores it, and removes the copy', async () => {
    const progress: DrillProgress[] = [];
    const drill = await drillRemote('orders-custom.dump', { onProgress: (p) => progress.push(p) });
    expect(drill.outcome, drill.message).toBe('pass');
    expect(drill.backupKey).toBe(join(dumps, 'orders-custom.dump'));
    expect(drill.rows).toBe(5000);
    expect(drill.message).toMatch(new RegExp(`^copied from ${escapeRegExp(sshd.host)} \\(.* in .*\\); `));
    expect(drill.message).not.toMatch(/backup-health-copy-/);
    expect(drill.phases.copy).toBeGreaterThanOrEqual(0);
    expect(drill.restoreMs).toBeGreaterThanOrEqual(drill.phases.copy! + (drill.phases.restore ?? 0));
    const copies = progress.filter((p) => p.phase === 'copy');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((p) => p.unit === 'bytes' && p.total === statSync(join(dumps, 'orders-custom.dump')).size)).toBe(true);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['copy', 'restore', 'verify']));
    expect(progress.every((p) => p.backupKey === drill.backupKey)).toBe(true);
    expect(leftovers()).toEqual([]);
    // The evidence: tar on the host that sent the copy, tar here that unpacked it, the dump drill's pg_restore.
    const { tools } = drill.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['pg_restore', 'tar', 'tar@127.0.0.1']);
    await expectToolVersion(tools['tar@127.0.0.1'], 'tar', ['--version'], sshd);
    await expectToolVersion(tools.tar, TAR);
  });

  it('copies a directory-format dump whole', async () => {
    const drill = await drillRemote('orders-directory.dump');
    expect(drill.outcome, drill.message).toBe('pass');
    expect(drill.tables).toBe(1);
    expect(leftovers()).toEqual([]);
  });

  it('fails a dump cut in half, as it would locally', async () => {
    const half = join(root, 'half');
    mkdirSync(half, { recursive: true });
    copyFileSync(join(dumps, 'orders-plain.sql'), join(half, 'orders-half.sql'));
    truncateSync(join(half, 'orders-half.sql'), Math.floor(statSync(join(dumps, 'orders-plain.sql')).size / 2));
    const drill = await drillRemote('orders-half.sql', { path: half, backup: (b) => ({ ...b, readable: true }) });
    expect(drill.outcome).toBe('fail');
    expect(drill.message).toMatch(/does not end with/);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a dump that changed since it was observed', async () => {
    const drill = await drillRemote('orders-custom.dump', { backup: (b) => ({ ...b, sizeBytes: b.sizeBytes + 1 }) });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/changed since it was observed .*drill it again after the next poll/);
    expect(leftovers()).toEqual([]);
  });

  it('turns a refused ssh login into an error drill naming the fix', async () => {
    const drill = await drillRemote('orders-custom.dump', { sshOptions: sshd.wrongKeyOptions });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(new RegExp(`^copying .* from ${escapeRegExp(sshd.host)} failed: 127\\.0\\.0\\.1 refused the ssh login`));
    expect(leftovers()).toEqual([]);
  });

  it('stops a copy when the drill is cancelled, and removes what arrived', async () => {
    const big = join(root, 'big');
    mkdirSync(big, { recursive: true });
    copyFileSync(join(dumps, 'orders-custom.dump'), join(big, 'orders-big.dump'));
    // A dump with 400 MB of trailing bytes: the copy takes long enough to be cancelled mid-way.
    const fill = Buffer.alloc(4 * 1024 * 1024, 1);
    for (let i = 0; i < 100; i++) appendFileSync(join(big, 'orders-big.dump'), fill);
    const cancel = new AbortController();
    const drill = await drillRemote('orders-big.dump', {
      path: big,
      signal: cancel.signal,
      onProgress: (p) => {
        if (p.phase === 'copy' && p.done > 0) cancel.abort();
      },
    });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toBe('the drill was cancelled during the copy phase');
    expect(leftovers()).toEqual([]);
  });
});

