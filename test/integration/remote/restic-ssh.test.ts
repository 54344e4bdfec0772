// A restic repository read on another host over ssh, through a real sshd on 127.0.0.1 (the "remote" is this
// machine, so the same repository can be observed both ways): the same snapshots and sizes as a local probe,
// the password sent from a local passwordFile without ever being on a command line, restic's and ssh's
// failures naming the host, and a restore drill that copies the snapshot here with restic dump, counts the
// bytes as it goes, and restores the pg_dump inside; a damaged pack fails it, a cancel stops and cleans it.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config, type ResticSourceConfig } from '../../../shared/config';
import type { Drill, DrillProgress } from '../../../shared/model';
import { run } from '../../../electron/engine/exec';
import { DRILL_DIR_PREFIXES } from '../../../electron/engine/drills/drill-dirs';
import type { DrillContext } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import { runTool } from '../../../electron/engine/remote';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { corruptFile, holdExclusiveLock, packsOf, restic, writeOrdersDump } from '../../support/restic-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';
import { expectToolVersion } from '../../support/tool-version';
import { TAR } from '../../../electron/engine/drills/drill-jail';

const PASSWORD = 'remote restic password';
const root = testParentDir('restic-ssh');
const drillDir = testParentDir('restic-ssh-scratch');
const passwordFile = join(root, 'password');
const job = { passwordFile, cacheDir: join(root, 'job-cache') };
const repo = join(root, 'repo');
const damagedRepo = join(root, 'damaged');
const bigRepo = join(root, 'big');
let sshd: TestSshd;
let xdgCache: string | undefined;
/** Every message and progress detail the tests saw: none may hold the password. */
const said: string[] = [];

function parsed(fields: Record<string, unknown> = {}): { config: Config; source: ResticSourceConfig } {
  const result = validateConfig({
    defaults: { drillDir },
    sources: [
      {
        id: 'orders-restic',
        kind: 'restic',
        repo,
        passwordFile,
        host: sshd.host,
        sshOptions: sshd.sshOptions,
        drill: { jobs: 2, readDataSubset: '100%', checks: [{ name: 'customers', sql: 'select count(*) = 500 from customers' }] },
        ...fields,
      },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { config: result.config, source: result.config.sources[0] as ResticSourceConfig };
}

const source = (fields: Record<string, unknown> = {}) => parsed(fields).source;
const here = { host: undefined, sshOptions: undefined };

async function probeError(fields: Record<string, unknown>): Promise<ProbeError> {
  const err = await resticProbe.observe(source(fields), probeContext({ timeoutMs: 20_000 })).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  said.push((err as Error).message);
  return err as ProbeError;
}

async function drill(fields: Record<string, unknown> = {}, onProgress: (p: DrillProgress) => void = () => {}, signal = new AbortController().signal): Promise<Drill> {
  const { config, source } = parsed(fields);
  const { backups } = await resticProbe.observe(source, probeContext({ config, timeoutMs: 20_000 }));
  const ctx: DrillContext = {
    signal,
    timeoutMs: 120_000,
    config,
    now: () => Date.now(),
    onProgress: (p) => {
      said.push(p.detail ?? '');
      onProgress(p);
    },
  };
  const result = await resticProbe.drill!(source, backups.at(-1)!, ctx);
  said.push(result.message, ...result.checks.map((c) => c.detail));
  return result;
}

const drillDirsLeft = () => readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)));

beforeAll(async () => {
  xdgCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'xdg-cache'); // the local probe's cache goes with the test
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  sshd = await startSshd();
  const src = join(root, 'backup');
  mkdirSync(src);
  await writeOrdersDump(src, drillDir);
  writeFileSync(join(src, 'notes.txt'), 'not a dump\n');
  // What restic dump's tar cannot hold as restore would: a hard link (a second full copy) and a fifo (left out).
  linkSync(join(src, 'notes.txt'), join(src, 'notes-link.txt'));
  expect((await run('mkfifo', [join(src, 'queue')])).code).toBe(0);
  writeFileSync(join(src, 'noise.bin'), randomBytes(300_000)); // incompressible: its own data pack
  for (const r of [repo, damagedRepo]) {
    await restic(job, r, ['init']);
    await restic(job, r, ['backup', src]);
  }
  writeFileSync(join(src, 'later.txt'), 'a second snapshot\n');
  await restic(job, repo, ['backup', src]);
  corruptFile(packsOf(damagedRepo)[0]!);
  // Big enough that a cancel lands in the middle of the copy.
  const big = join(root, 'big-backup');
  mkdirSync(big);
  writeFileSync(join(big, 'noise.bin'), randomBytes(32 * 1024 * 1024));
  await restic(job, bigRepo, ['init']);
  await restic(job, bigRepo, ['backup', big]);
}, 180_000);

afterAll(async () => {
  // restic over ssh keeps its cache where restic does for the ssh login ($HOME/.cache/restic): not ours to keep.
  if (sshd) {
    const cache = await runTool(sshd, 'sh', ['-c', 'printf %s "${XDG_CACHE_HOME:-$HOME/.cache}/restic"']);
    for (const r of [repo, damagedRepo, bigRepo]) {
      const id = (JSON.parse(await restic(job, r, ['cat', 'config'])) as { id: string }).id;
      rmSync(join(cache.stdout, id), { recursive: true, force: true });
    }
  }
  await sshd?.stop();
  if (xdgCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = xdgCache;
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(drillDirsLeft()).toEqual([]);
  removeTestParentDir(root);
  removeTestParentDir(drillDir);
});

describe('restic over ssh', () => {
  it('observes the same snapshots, times and sizes as restic run here', async () => {
    const remote = await resticProbe.observe(source(), probeContext({ timeoutMs: 20_000 }));
    const local = await resticProbe.observe(source(here), probeContext({ timeoutMs: 20_000 }));
    expect(remote.backups).toHaveLength(2);
    expect(remote.backups[1]!.sizeBytes).toBeGreaterThan(300_000);
    expect(remote).toEqual(local);
  });

  it('sends the password from the local passwordFile, never on a command line', async () => {
    const seen: string[] = [];
    const watcher = setInterval(() => {
      void run('ps', ['-eo', 'args'], { timeoutMs: 5000 }).then((r) => seen.push(r.stdout));
    }, 50);
    try {
      await resticProbe.observe(source(), probeContext({ timeoutMs: 20_000 }));
    } finally {
      clearInterval(watcher);
    }
    const commandLines = seen.join('\n');
    expect(commandLines).toMatch(/restic -r \S+ --no-lock snapshots/); // the restic sshd started, seen by ps here
    expect(commandLines).not.toContain(PASSWORD);
  });

  it('says the password is wrong, naming the host and the passwordFile, without the password', async () => {
    const wrongFile = join(root, 'wrong-password');
    writeFileSync(wrongFile, 'hunter2-not-it\n', { mode: 0o600 });
    const err = await probeError({ passwordFile: wrongFile });
    expect(err.code).toBe('auth-failed');
    expect(err.message).toBe(`wrong password for restic repository ${repo} on ${sshd.host}: check passwordFile/passwordEnv (passwordFile ${wrongFile}); it must hold the password the repository was made with, what restic reads from RESTIC_PASSWORD`);

    process.env.BH_TEST_RESTIC_WRONG = 'hunter3-not-it';
    try {
      const fromEnv = await probeError({ passwordFile: undefined, passwordEnv: 'BH_TEST_RESTIC_WRONG' });
      expect(fromEnv.code).toBe('auth-failed');
      expect(fromEnv.message).not.toContain('hunter3');
    } finally {
      delete process.env.BH_TEST_RESTIC_WRONG;
    }
  });

  it('reads the passwordFile here and refuses one others can read', async () => {
    const open = join(root, 'open-password');
    writeFileSync(open, `${PASSWORD}\n`, { mode: 0o644 });
    const err = await probeError({ passwordFile: open });
    expect(err.code).toBe('config');
    expect(err.message).toBe(`passwordFile ${open} can be read by other users (mode 0644); run chmod 600 ${open}`);
  });

  it('reports a repository missing on the host as not-found, naming the host', async () => {
    const missing = join(root, 'no-such-repo');
    const err = await probeError({ repo: missing });
    expect(err.code).toBe('not-found');
    expect(err.message).toBe(`no restic repository at ${missing} on ${sshd.host}: check repo (restic init creates one)`);
  });

  it('reads a locked repository, and a drill says who holds the lock on which host', async () => {
    const lock = await holdExclusiveLock(job, repo, PASSWORD, join(root, 'new-password'));
    let result: Drill;
    try {
      const { backups } = await resticProbe.observe(source(), probeContext({ timeoutMs: 20_000 }));
      expect(backups).toHaveLength(2);
      result = await drill();
    } finally {
      await lock.release();
    }
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(new RegExp(`^restic repository ${repo} on ${sshd.host} is locked by PID \\d+ .*: another restic .* is running; if none is, run restic unlock$`));
    expect(drillDirsLeft()).toEqual([]);
  });

  it('says what to fix when ssh itself fails', async () => {
    const refused = await probeError({ sshOptions: sshd.wrongKeyOptions });
    expect(refused.code).toBe('auth-failed');
    expect(refused.message).toMatch(/^127\.0\.0\.1 refused the ssh login as .*Permission denied \(publickey\)/);
    const unknown = await probeError({ sshOptions: sshd.unknownHostOptions });
    expect(unknown.code).toBe('config');
    expect(unknown.message).toBe(`the host key of 127.0.0.1 is not known or changed: connect once with ssh ${sshd.host} to check and accept it`);
  });
});

describe('restic drill over ssh', () => {
  it('copies the snapshot here, matches restic ls, passes restic check and restores the pg_dump inside', async () => {
    const progress: DrillProgress[] = [];
    const result = await drill({}, (p) => progress.push(p));
    expect(result.message).toMatch(
      new RegExp(`^snapshot [0-9a-f]{8} copied from ${sshd.host} \\(.+ in .+\\), matches restic ls, restic check --read-data-subset=100% found no errors; dump .*orders\\.dump: `),
    );
    expect(result.outcome).toBe('pass');
    expect([result.tables, result.rows]).toEqual([1, 500]);
    expect(result.checks.map((c) => [c.name, c.passed])).toEqual([
      ['copied files match restic ls', true],
      ['restic check', true],
      ['customers', true],
    ]);
    expect(result.checks[0]!.detail).toMatch(/restic dump leaves out its 1 special file\)/);
    const copies = progress.filter((p) => p.phase === 'copy');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((p) => p.unit === 'bytes' && p.total === copies[0]!.total && p.done <= p.total)).toBe(true);
    expect(copies[0]!.total).toBeGreaterThan(300_000);
    expect(copies.at(-1)!.done).toBe(copies.at(-1)!.total);
    expect(result.phases.copy).toBeGreaterThan(0);
    expect(result.phases.restore).toBeGreaterThan(0); // the dump drill's pg_restore
    expect(result.restoreMs).toBeGreaterThanOrEqual(result.phases.copy! + result.phases.restore!);
    expect(drillDirsLeft()).toEqual([]);
    // The evidence: restic as it answers on the host (asked there over ssh, keyed by the host without its
    // login), the tar here that unpacked its dump, and the dump drill's pg_restore.
    const { tools } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['pg_restore', 'restic@127.0.0.1', 'tar']);
    await expectToolVersion(tools['restic@127.0.0.1'], 'restic', ['version'], sshd);
    await expectToolVersion(tools.tar, TAR);
  });

  it('fails when a pack file on the host is damaged', async () => {
    const result = await drill({ repo: damagedRepo });
    expect(result.outcome).toBe('fail');
    expect(result.restoreMs).toBeNull();
    expect(result.message).toMatch(new RegExp(`^snapshot [0-9a-f]{8} did not copy from ${sshd.host}: .*ciphertext verification failed`));
    expect(drillDirsLeft()).toEqual([]);
  });

  it('is an error, not a failed backup, when ssh refuses the login', async () => {
    const { config, source: good } = parsed();
    const { backups } = await resticProbe.observe(good, probeContext({ config, timeoutMs: 20_000 }));
    const ctx: DrillContext = { signal: new AbortController().signal, timeoutMs: 60_000, config, now: () => Date.now(), onProgress: () => {} };
    const result = await resticProbe.drill!({ ...good, sshOptions: sshd.wrongKeyOptions }, backups.at(-1)!, ctx);
    said.push(result.message);
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/refused the ssh login/);
  });

  it('stops the copy when cancelled, and leaves nothing behind here or on the host', async () => {
    const stop = new AbortController();
    const copies: DrillProgress[] = [];
    const onProgress = (p: DrillProgress) => {
      if (p.phase !== 'copy') return;
      copies.push(p);
      if (p.done > 0) stop.abort(); // on the first bytes copied
    };
    const result = await drill({ repo: bigRepo }, onProgress, stop.signal);
    expect(result.outcome).toBe('error');
    expect(result.message).toBe('the drill was cancelled during the copy phase');
    expect(copies.at(-1)!.done).toBeLessThan(copies.at(-1)!.total);
    expect(drillDirsLeft()).toEqual([]);
    await waitFor('the remote restic dump to end', async () => !(await run('ps', ['-eo', 'args'])).stdout.includes(`${bigRepo} dump`));
  });

  it('never says the password', () => {
    expect(said.length).toBeGreaterThan(10);
    expect(said.filter((m) => m.includes(PASSWORD))).toEqual([]);
  });
});
