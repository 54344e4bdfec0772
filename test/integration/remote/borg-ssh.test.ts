// A borg repository on another host, read and drilled over ssh through a real sshd on 127.0.0.1 (the "backup
// host" is this machine, in another time zone): the same archives, sizes and times as borg run here; borg's
// failures and ssh's own named with the host; a drill that copies the archive here with byte progress and
// restores the pg_dump inside; cancel and damage; the passphrase never in a message nor on a command line.
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillProgress, ObservedBackup } from '../../../shared/model';
import { runTool } from '../../../electron/engine/remote';
import { borgProbe } from '../../../electron/engine/sources/borg/index';
import { REMOTE_BORG_BASE_DIR } from '../../../electron/engine/sources/borg/borg-run';
import type { DrillContext } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { borgConfig, borgDrillContext, borgDrillTrees, borgJob, commandLinesMentioning, corruptBiggestSegment, holdBorgLock, writeOrdersBackupTree } from '../../support/borg-fixtures';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

const PASSPHRASE = 'remote horse battery staple';
const root = testParentDir('borg-ssh');
const drillDir = testParentDir('borg-ssh-scratch');
const repo = join(root, 'repo');
const damaged = join(root, 'damaged');
const passwordFile = join(root, 'pass');
const job = borgJob(join(root, 'job-borg'), PASSPHRASE);
/** Where the remote borg keeps its state: relative to the ssh login's home, here root's. */
const remoteBaseDir = join(userInfo().homedir, REMOTE_BORG_BASE_DIR);
/** remoteBaseDir and those of its parents that did not exist before: removed at the end (parents only if empty). */
let createdStateDirs: string[] = [];
let sshd: TestSshd;

function configured(fields: Record<string, unknown> = {}, at: 'here' | 'there' = 'there') {
  const where = at === 'there' ? { host: sshd.host, sshOptions: sshd.sshOptions } : {};
  return borgConfig({ repo, passwordFile, ...where, drill: { checks: [{ name: 'customers', sql: 'select count(*) = 500 from customers' }] }, ...fields }, { drillDir });
}

async function observeError(fields: Record<string, unknown>): Promise<ProbeError> {
  const error = await borgProbe.observe(configured(fields).source, probeContext({ timeoutMs: 30_000 })).then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(ProbeError);
  return error as ProbeError;
}

async function nightly(fields: Record<string, unknown> = {}): Promise<ObservedBackup> {
  const observation = await borgProbe.observe(configured(fields).source, probeContext({ timeoutMs: 30_000 }));
  return observation.backups.find((b) => b.key === 'nightly-1')!;
}

beforeAll(async () => {
  // The backup host's sessions run in Tokyo (sshd hands its TZ to them), this process in New York: borg prints
  // zone-less local times, so both must still land on the same instants.
  process.env.TZ = 'Asia/Tokyo';
  sshd = await startSshd();
  process.env.TZ = 'America/New_York';
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  createdStateDirs = [remoteBaseDir, dirname(remoteBaseDir), dirname(dirname(remoteBaseDir))].filter((dir) => !existsSync(dir));
  writeFileSync(passwordFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const small = join(root, 'small');
  mkdirSync(small);
  writeFileSync(join(small, 'small.txt'), 'hello\n');
  const backupDir = join(root, 'backup');
  await writeOrdersBackupTree(root, backupDir);
  // Enough bytes that the copy is still streaming when the first progress arrives.
  writeFileSync(join(backupDir, 'filler.bin'), Buffer.alloc(24 * 1024 * 1024, 'filler '));
  // Not files to borg (nfiles), but a tar carries them: the copy must be counted as borg counts.
  symlinkSync('README', join(backupDir, 'LATEST'));
  linkSync(join(backupDir, 'README'), join(backupDir, 'README.link'));
  // Incompressible, so its chunks fill the middle of the damaged repository's segment.
  const noise = join(root, 'noise');
  mkdirSync(noise);
  writeFileSync(join(noise, 'random.bin'), randomBytes(4 * 1024 * 1024));
  for (const r of [repo, damaged]) await job.borg(['init', '--encryption=repokey', r]);
  await job.borg(['create', '--timestamp', '2024-01-02T03:04:05', `${repo}::orders-2024-01-02`, '.'], small);
  await job.borg(['create', `${repo}::nightly-1`, '.'], backupDir);
  await job.borg(['create', `${damaged}::nightly-1`, '.'], noise);
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(borgDrillTrees(drillDir)).toEqual([]);
  removeTestParentDir(drillDir);
  removeTestParentDir(root);
  const [borgState, ...parents] = createdStateDirs;
  if (borgState === remoteBaseDir) rmSync(remoteBaseDir, { recursive: true, force: true });
  for (const dir of parents) {
    try {
      rmdirSync(dir); // other tests may be keeping their own state beside it
    } catch {
      // not empty
    }
  }
});

describe('a borg repository on another host', () => {
  it('is observed over ssh exactly as borg here sees it, whatever the zones of both machines', async () => {
    const zone = await runTool({ host: sshd.host, sshOptions: sshd.sshOptions }, 'date', ['+%z']);
    expect(zone.stdout.trim()).toBe('+0900');
    expect(new Date(Date.UTC(2024, 0, 2)).getTimezoneOffset()).toBe(300);
    const here = await borgProbe.observe(configured({}, 'here').source, probeContext({ timeoutMs: 30_000 }));
    const there = await borgProbe.observe(configured().source, probeContext({ timeoutMs: 30_000 }));
    expect(there).toEqual(here);
    expect(there.backups.map((b) => b.key)).toEqual(['orders-2024-01-02', 'nightly-1']);
    expect(there.backups[0]!.startedAt).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(there.backups[1]).toMatchObject({ readable: true, meta: { nfiles: 3 } });
    expect(there.metrics).toMatchObject({ kind: 'borg', archiveCount: 2, encryption: 'repokey' });
    // borg's cache and security dir there are Backup Health's own, under the login's home.
    expect(existsSync(join(remoteBaseDir, '.config', 'borg', 'security'))).toBe(true);
  });

  it('takes the passphrase from passwordEnv too, and says a wrong one is wrong without showing it', async () => {
    process.env.TEST_BORG_SSH_PASSPHRASE = PASSPHRASE;
    const fromEnv = await borgProbe.observe(configured({ passwordFile: undefined, passwordEnv: 'TEST_BORG_SSH_PASSPHRASE' }).source, probeContext({ timeoutMs: 30_000 }));
    expect(fromEnv.backups).toHaveLength(2);
    const wrongFile = join(root, 'wrong-pass');
    writeFileSync(wrongFile, 'not the passphrase', { mode: 0o600 });
    const error = await observeError({ passwordFile: wrongFile });
    expect(error).toMatchObject({ code: 'auth-failed', host: sshd.host });
    expect(error.message).toContain(`passwordFile ${wrongFile} does not open the borg repository ${repo} on ${sshd.host}`);
    expect(error.message).not.toContain('not the passphrase');
  });

  it('says when there is no repository there', async () => {
    const error = await observeError({ repo: join(root, 'nowhere') });
    expect(error.code).toBe('not-found');
    expect(error.message).toContain(`no borg repository at ${join(root, 'nowhere')} on ${sshd.host}`);
  });

  it('reports a repository locked by a borg running there', async () => {
    const release = await holdBorgLock(repo, job.env);
    try {
      const error = await observeError({});
      expect(error.code).toBe('failed');
      expect(error.message).toContain(`the borg repository ${repo} on ${sshd.host} is locked by another borg process`);
    } finally {
      await release();
    }
  });

  it('says what to fix when ssh cannot log in or does not know the host', async () => {
    const refused = await observeError({ sshOptions: sshd.wrongKeyOptions });
    expect(refused.code).toBe('auth-failed');
    expect(refused.message).toMatch(/127\.0\.0\.1 refused the ssh login/);
    const unknown = await observeError({ sshOptions: sshd.unknownHostOptions });
    expect(unknown).toMatchObject({ code: 'config', message: expect.stringMatching(/host key of 127\.0\.0\.1 is not known/) });
    const { config, source } = configured({ sshOptions: sshd.wrongKeyOptions });
    const drill = await borgProbe.drill!(source, await nightly(), borgDrillContext(config));
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/refused the ssh login/);
  });
});

describe('a restore drill of a borg archive on another host', () => {
  it('copies the archive here with byte progress, checks it and restores the pg_dump inside', async () => {
    const backup = await nightly();
    const { config, source } = configured();
    const progress: DrillProgress[] = [];
    let duringCopy: { exportTar: string[]; secret: string[] } | undefined;
    const ctx: DrillContext = {
      ...borgDrillContext(config, progress),
      onProgress: (p) => {
        progress.push(p);
        // While the archive streams, borg export-tar runs there (this machine): its command line has no secret.
        if (p.phase === 'copy' && p.done > 0 && !duringCopy) duringCopy = { exportTar: commandLinesMentioning('export-tar'), secret: commandLinesMentioning(PASSPHRASE) };
      },
    };
    const result = await borgProbe.drill!(source, backup, ctx);
    expect(result.message).toMatch(/^nightly-1 copied from root@127\.0\.0\.1 and checked \(3 files, .*\); pg\/orders\.dump: /);
    expect(result).toMatchObject({ outcome: 'pass', backupKey: 'nightly-1', tables: 1, rows: 500 });
    expect(result.checks).toMatchObject([{ name: 'customers', passed: true }]);
    expect(Object.keys(result.phases).sort()).toEqual(['cleanup', 'copy', 'prepare', 'restore', 'verify']);
    expect(result.phases.copy).toBeGreaterThan(0);
    expect(result.restoreMs).toBeGreaterThan(result.phases.copy!);
    const copy = progress.filter((p) => p.phase === 'copy');
    expect(copy.every((p) => p.unit === 'bytes' && p.total === backup.sizeBytes)).toBe(true);
    expect(copy.some((p) => p.done > 0 && p.done < p.total)).toBe(true);
    expect(copy.at(-1)!.done).toBe(backup.sizeBytes);
    expect(copy.map((p) => p.done)).toEqual(copy.map((p) => p.done).sort((a, b) => a - b));
    expect(duringCopy!.exportTar.some((line) => line.includes(`${repo}::nightly-1`))).toBe(true);
    expect(duringCopy!.secret).toEqual([]);
    expect(result.message).not.toContain(PASSPHRASE);
    expect(borgDrillTrees(drillDir)).toEqual([]);
  });

  it('stops the copy when cancelled and leaves nothing behind', async () => {
    const backup = await nightly();
    const { config, source } = configured();
    const cancel = new AbortController();
    const ctx: DrillContext = {
      ...borgDrillContext(config, [], cancel.signal),
      onProgress: (p) => {
        if (p.phase === 'copy' && p.done > 0) cancel.abort();
      },
    };
    const result = await borgProbe.drill!(source, backup, ctx);
    expect(result.outcome).toBe('error');
    expect(result.message).toBe('the drill was cancelled during the copy phase');
    expect(borgDrillTrees(drillDir)).toEqual([]);
    await waitFor('the borg export-tar there to end', () => commandLinesMentioning(`${repo}::nightly-1`).length === 0);
    // Its lock went with it: the repository reads again.
    expect((await nightly()).key).toBe('nightly-1');
  });

  it('fails when the chunks of the archive there are corrupt, and when its metadata is', async () => {
    const backup = await nightly({ repo: damaged }); // seen before the damage
    const { config, source } = configured({ repo: damaged });
    // The file's data: borg info still reads the archive, the copy finds the damage.
    corruptBiggestSegment(damaged, { from: 0.3, to: 0.6 });
    const result = await borgProbe.drill!(source, backup, borgDrillContext(config));
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^borg export-tar of nightly-1 failed: .*Data integrity error/);
    expect(result.message).toContain(`${damaged} on ${sshd.host}`);
    expect(result.message).not.toContain(PASSPHRASE);
    expect(borgDrillTrees(drillDir)).toEqual([]);
    // All of it: the archive cannot even be described.
    corruptBiggestSegment(damaged);
    const worse = await borgProbe.drill!(source, backup, borgDrillContext(config));
    expect(worse.outcome).toBe('fail');
    expect(worse.message).toMatch(/^borg info of nightly-1 failed: .*Data integrity error/);
    expect(borgDrillTrees(drillDir)).toEqual([]);
  });
});
