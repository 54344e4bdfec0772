// A dump directory read over ssh through a real sshd on 127.0.0.1 (the "remote" is this machine), compared
// with the local probe on the same directory: the same backups, sizes, times and headers. Then what goes
// wrong with ssh in real life: an unknown host key, a key the server does not accept, nothing listening.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import { describeFailure } from '../../../electron/engine/exec';
import { ScratchCluster, runClient } from '../../../electron/engine/drills/scratch-cluster';
import { dumpDirProbe } from '../../../electron/engine/probes/dump-dir';
import { ProbeError, type ProbeContext } from '../../../electron/engine/probes/probe';
import { freePort } from '../../support/postgres-fixtures';
import { isAlive } from '../../support/processes';
import { startSshd, type TestSshd } from '../../support/sshd';

let root: string;
let dumps: string;
let sshd: TestSshd;

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
    const client = async (tool: string, args: string[]) => {
      const result = await runClient(cluster, tool, args);
      if (result.code !== 0) throw new Error(describeFailure(result, tool));
    };
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

  it('never drills a remote dump from a local file of the same path', async () => {
    const remote = await dumpDirProbe.observe(source({ pattern: 'orders-custom.dump', host: sshd.host, sshOptions: sshd.sshOptions }), context());
    const drill = await dumpDirProbe.drill!(source({ host: sshd.host, sshOptions: sshd.sshOptions }), remote.backups[0]!, { ...context(), onProgress: () => {} });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/not supported yet/);
  });
});
