// The borg probe on real borg 1.2 repositories: encrypted and not, archives observed with their times and sizes,
// and the failures a sysadmin meets (wrong passphrase, no repository, a lock held by a running borg).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BorgSourceConfig } from '../../../shared/config';
import { borgProbe } from '../../../electron/engine/sources/borg/index';
import { ProbeError } from '../../../electron/engine/errors';
import { run } from '../../../electron/engine/exec';
import { BORG_LOCK_WAIT_S } from '../../../electron/engine/sources/borg/borg-run';
import { borgJob, borgSource as source, holdBorgLock } from '../../support/borg-fixtures';
import { probeContext } from '../../support/postgres-fixtures';

// borg prints local time without a zone: a zone far from UTC proves it is read as local time, not UTC.
process.env.TZ = 'America/New_York';

const PASSPHRASE = 'correct horse battery staple';
let root: string; // removed in afterAll
let encrypted: string;
let plain: string;
let passwordFile: string;

let job: ReturnType<typeof borgJob>;

async function observeError(config: BorgSourceConfig, ctx = probeContext()): Promise<ProbeError> {
  const error = await borgProbe.observe(config, ctx).then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(ProbeError);
  return error as ProbeError;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-borg-'));
  job = borgJob(join(root, 'job-borg'), PASSPHRASE);
  const borg = job.borg;
  // The probe keeps borg's cache under XDG_CACHE_HOME: inside root, so nothing is left behind.
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  encrypted = join(root, 'encrypted');
  plain = join(root, 'plain');
  passwordFile = join(root, 'borg-pass');
  writeFileSync(passwordFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const data = join(root, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'small.txt'), 'hello\n');
  await borg(['init', '--encryption=repokey', encrypted]);
  await borg(['init', '--encryption=none', plain]);
  await borg(['create', '--timestamp', '2024-01-02T03:04:05', `${encrypted}::orders-2024-01-02`, '.'], data);
  writeFileSync(join(data, 'big.bin'), Buffer.alloc(300_000, 7));
  await borg(['create', `${encrypted}::orders-now`, '.'], data);
  await borg(['create', `${encrypted}::other-now`, '.'], data);
  await borg(['create', `${plain}::plain-1`, '.'], data, '');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  expect(readdirSync(tmpdir()).filter((n) => n.startsWith('backup-health-borg-'))).toEqual([]);
});

describe('the borg probe', () => {
  it('observes every archive with its times and sizes', async () => {
    const before = Date.now();
    const observation = await borgProbe.observe(source({ repo: encrypted, passwordFile }), probeContext());
    expect(observation.backups.map((b) => b.key)).toEqual(['orders-2024-01-02', 'orders-now', 'other-now']);
    const [old, now] = observation.backups;
    // --timestamp is UTC; borg lists it in New York time, and the probe must land on the same instant.
    expect(old!.startedAt).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(old!.finishedAt).toBeGreaterThanOrEqual(old!.startedAt!);
    expect(now!.finishedAt).toBeLessThanOrEqual(before + 1000);
    expect(now!.finishedAt).toBeGreaterThan(before - 60_000);
    expect(old).toMatchObject({ type: 'snapshot', readable: true, sizeBytes: 6, meta: { nfiles: 1 } });
    expect(now).toMatchObject({ type: 'snapshot', readable: true, sizeBytes: 300_006, meta: { nfiles: 2 } });
    expect(now!.meta!.compressedSize).toBeLessThan(300_006); // lz4 squeezes a run of sevens
    expect(observation.metrics).toMatchObject({ kind: 'borg', archiveCount: 3, encryption: 'repokey' });
    expect((observation.metrics as { repoSizeBytes: number }).repoSizeBytes).toBeGreaterThan(0);
    expect(existsSync(join(root, 'cache', 'backup-health', 'borg'))).toBe(true);
  });

  it('keeps only the archives matching the pattern, and learns of new ones', async () => {
    const config = source({ repo: encrypted, passwordEnv: 'TEST_BORG_PASSPHRASE', pattern: 'orders-*' });
    process.env.TEST_BORG_PASSPHRASE = PASSPHRASE;
    const first = await borgProbe.observe(config, probeContext());
    expect(first.backups.map((b) => b.key)).toEqual(['orders-2024-01-02', 'orders-now']);
    await job.borg(['create', `${encrypted}::orders-later`, '.'], join(root, 'data'));
    const second = await borgProbe.observe(config, probeContext());
    expect(second.backups.map((b) => [b.key, b.sizeBytes])).toEqual([['orders-2024-01-02', 6], ['orders-now', 300_006], ['orders-later', 300_006]]);
  });

  it('reads an unencrypted repository without a passphrase', async () => {
    const observation = await borgProbe.observe(source({ repo: plain }), probeContext());
    expect(observation.backups).toMatchObject([{ key: 'plain-1', sizeBytes: 300_006, readable: true }]);
    expect(observation.metrics).toMatchObject({ encryption: 'none', archiveCount: 1 });
  });

  it('finds the key of a keyfile repository where the user keeps it (BORG_KEYS_DIR)', async () => {
    const keys = join(root, 'user-keys');
    const keyfile = join(root, 'keyfile');
    const data = join(root, 'keyfile-data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.txt'), 'a\n');
    const env = { ...job.env, BORG_KEYS_DIR: keys };
    for (const args of [['init', '--encryption=keyfile', keyfile], ['create', `${keyfile}::k-1`, '.']]) {
      const result = await run('borg', args, { env, cwd: data });
      expect(result.code, result.stderr).toBe(0);
    }
    expect(readdirSync(keys)).toHaveLength(1);
    process.env.BORG_KEYS_DIR = keys;
    try {
      const observation = await borgProbe.observe(source({ repo: keyfile, passwordFile }), probeContext());
      expect(observation.backups).toMatchObject([{ key: 'k-1', readable: true }]);
      expect(observation.metrics).toMatchObject({ encryption: 'keyfile' });
    } finally {
      delete process.env.BORG_KEYS_DIR;
    }
  });

  it('says the passphrase is wrong, without showing it', async () => {
    const wrongFile = join(root, 'wrong-pass');
    writeFileSync(wrongFile, 'not the passphrase', { mode: 0o600 });
    const error = await observeError(source({ repo: encrypted, passwordFile: wrongFile }));
    expect(error.code).toBe('auth-failed');
    expect(error.message).toContain(`passwordFile ${wrongFile} does not open the borg repository ${encrypted}`);
    expect(error.message).not.toContain('not the passphrase');
    expect(error.message).not.toContain(PASSPHRASE);
    const none = await observeError(source({ repo: encrypted }));
    expect(none.code).toBe('auth-failed');
    expect(none.message).toMatch(/is encrypted: set passwordFile/);
  });

  it('says when there is no repository', async () => {
    const error = await observeError(source({ repo: join(root, 'nowhere') }));
    expect(error.code).toBe('not-found');
    expect(error.message).toContain(`no borg repository at ${join(root, 'nowhere')}`);
    const notRepo = await observeError(source({ repo: join(root, 'data') }));
    expect(notRepo.message).toContain('is not a borg repository');
  });

  it('refuses a password file others can read', async () => {
    const open = join(root, 'open-pass');
    writeFileSync(open, PASSPHRASE, { mode: 0o644 });
    const error = await observeError(source({ repo: encrypted, passwordFile: open }));
    expect(error).toMatchObject({ code: 'config', message: expect.stringContaining('chmod 600') });
  });

  it('reports a repository locked by a running borg once its short lock wait is over, not at the probe timeout', async () => {
    const release = await holdBorgLock(encrypted, job.env);
    try {
      // The lock is held for 30 s, the probe may take 25 s: only borg giving up after its --lock-wait ends the
      // poll with "locked" (a poll that waited for the lock would end in a timeout instead).
      const error = await observeError(source({ repo: encrypted, passwordFile }), probeContext({ timeoutMs: 25_000 }));
      expect(error.code).toBe('failed');
      expect(error.message).toContain(`the borg repository ${encrypted} is locked by another borg process`);
      expect(error.message).toContain(`stayed locked for ${BORG_LOCK_WAIT_S}s`);
    } finally {
      await release();
    }
    // The lock goes with its holder, and polls work again.
    await borgProbe.observe(source({ repo: encrypted, passwordFile }), probeContext());
  });
});
