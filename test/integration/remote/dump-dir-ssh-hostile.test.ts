// The booby-trapped dump directory of test/support/hostile-dump-dir.ts read over ssh (the test sshd on
// 127.0.0.1, so "remote" files are these files): the same findings as the local probe, no secret in them,
// and nothing left running on the backup host (before, a `head` stayed blocked on a FIFO toc.dat forever).
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import { READ_SCRIPT } from '../../../electron/engine/sources/dump-dir/remote';
import type { Observation } from '../../../electron/engine/sources/probe';
import { runTool } from '../../../electron/engine/remote';
import { clientOrThrow } from '../../support/postgres-fixtures';
import { EVIL_NAME, expectedProblems, makeHostileDumpDir, type HostileDumpDir } from '../../support/hostile-dump-dir';
import { startSshd, type TestSshd } from '../../support/sshd';

let root: string;
let hostile: HostileDumpDir;
let sshd: TestSshd;

function source(fields: Record<string, unknown> = {}): DumpDirSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'trapped', kind: 'dump-dir', path: hostile.dir, settle: '0s', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as DumpDirSourceConfig;
}

function observe(fields: Record<string, unknown> = {}): Promise<Observation> {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config is invalid');
  // Well under the test's own timeout: a hung remote read shows as a probe timeout, not a test timeout.
  return dumpDirProbe.observe(source(fields), { signal: new AbortController().signal, timeoutMs: 15_000, config: parsed.config, now: () => Date.now() });
}

const remote = () => ({ host: sshd.host, sshOptions: sshd.sshOptions });

/** Processes working in, or naming, the hostile directory: what a blocked remote read would leave behind. */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(`${pid} (cwd ${cwd})`);
    } catch {
      // gone, or not ours to look at
    }
  }
  return found;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-remote-hostile-'));
  const made = join(root, 'made');
  mkdirSync(made);
  sshd = await startSshd();
  await ScratchCluster.with({ purpose: 'remote hostile dump-dir test', minMajor: 15 }, async (cluster) => {
    const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
    await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c', 'CREATE TABLE customer AS SELECT g AS id FROM generate_series(1, 100) g']);
    await client('pg_dump', ['-Fc', '-f', join(made, 'orders.dump'), 'orders']);
    await client('pg_dump', ['-Fd', '-f', join(made, 'orders.dir'), 'orders']);
  });
  // A space in the path too, to prove the quoting.
  hostile = makeHostileDumpDir(join(root, 'trapped dumps'), join(root, 'outside'), join(made, 'orders.dump'), join(made, 'orders.dir'));
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('dump-dir over ssh on a hostile directory', () => {
  it('names every trap as the local probe does, reads the good dumps, and leaves nothing running there', async () => {
    const observed = await observe(remote());
    const byName = new Map(observed.backups.map((b) => [b.key.slice(hostile.dir.length + 1), b]));
    expect(Object.fromEntries([...byName].map(([name, b]) => [name, b.readable ? null : b.problem]))).toEqual(expectedProblems(hostile));
    expect(byName.get(EVIL_NAME)).toMatchObject({ readable: true, meta: { header: { format: 'custom', dbName: 'orders' } } });
    expect(observed.backups).toEqual((await observe()).backups);
    expect(JSON.stringify(observed)).not.toContain(hostile.secret);
    expect(processesIn(hostile.dir)).toEqual([]);
  });

  it('never opens what became a FIFO or a link out after the listing: the read script checks again', async () => {
    // What a swap between the two ssh calls would hand the read script.
    const result = await runTool(remote(), 'sh', ['-c', READ_SCRIPT, 'backup-health-read', hostile.dir, 'fifo.dump', 'secret.dump', 'fifo-toc.dump', 'secret-member.dump', EVIL_NAME], { timeoutMs: 15_000 });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['S\tp', 'O']);
    expect(lines[2]).toMatch(/^D\t\d+\t[\d.]+\tbad\tp\t/);
    expect(Buffer.from(lines[2]!.split('\t')[5]!, 'base64').toString()).toBe('toc.dat');
    expect(lines[3]).toMatch(/^D\t\d+\t[\d.]+\tbad\toutside\t/);
    expect(lines[4]).toMatch(/^F\tUEdETVA/); // "PGDMP", base64: the good dump with the evil name was read
    expect(result.stdout).not.toContain('evil');
    expect(processesIn(hostile.dir)).toEqual([]);
  });
});
