// `backup-health serve` as a user runs it: the real bin prints one URL line, the dashboard's API answers through
// it, and SIGTERM / SIGINT / SIGHUP stop it cleanly (exit 0, port closed, history file closed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../../shared/api';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { isAlive, postgresProcessesUsing } from '../../support/processes';
import { writeDump } from './fixture';
import { serve, URL_LINE, type Served, signIn } from '../../support/serve';

// The postgres user must be able to walk into the drills' directory, hence a test parent dir (0755).
const parent = testParentDir('serve-cli');
const root = join(parent, 'work');

beforeAll(() => {
  ensureCliBuilt();
  // A bundle built before `serve` existed would fail every test here for the wrong reason.
  if (!readFileSync('out/cli/index.js', 'utf8').includes('serveCommand')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
});
afterAll(() => removeTestParentDir(parent));

function workDir(name: string) {
  const dir = join(root, name);
  const dumps = join(dir, 'dumps');
  mkdirSync(dumps, { recursive: true });
  return { dir, dumps, data: join(dir, 'data'), config: join(dir, 'config.yml') };
}

const post = (served: Served, method: string, cookie: string, args: unknown = {}) =>
  fetch(`${served.origin}/api/${method}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(args) });

describe('backup-health serve', () => {
  it('prints the URL, answers the API through it, and stops on SIGTERM with exit 0 and nothing left over', async () => {
    const w = workDir('term');
    writeDump(w.dumps, 'nightly.sql', 3_600_000);
    writeFileSync(w.config, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${w.dumps}\n    settle: 0s\n`);
    const served = await serve(['--config', w.config, '--data', w.data, '--port', '0']);
    const cookie = await signIn(served);

    // The engine polls on its own at start; the overview shows what it found.
    let overview: Overview | undefined;
    await expect
      .poll(async () => {
        const answer = (await (await post(served, 'overview', cookie)).json()) as { ok: true; value: Overview };
        overview = answer.value;
        return overview.sources[0]?.lastPollAt ?? null;
      })
      .not.toBeNull();
    expect(overview!.sources.map((s) => [s.id, s.status])).toEqual([['nightly', 'ok']]);
    expect(overview!.configFile).toBe(w.config);
    const page = await fetch(`${served.origin}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await post(served, 'overview', '')).status).toBe(401);

    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(served.stderr()).toContain('SIGTERM, stopping');
    expect(isAlive(served.child.pid!)).toBe(false);
    await expect(fetch(`${served.origin}/`)).rejects.toThrow();
    // The history was closed properly: SQLite removes the WAL file when its last connection closes.
    expect(existsSync(join(w.data, 'history.sqlite'))).toBe(true);
    expect(existsSync(join(w.data, 'history.sqlite-wal'))).toBe(false);
  });

  it('starts with no sources when the config file does not exist yet, and creates it when a source is saved', async () => {
    const w = workDir('first-run');
    writeDump(w.dumps, 'nightly.sql', 3_600_000);
    const served = await serve(['--config', w.config, '--data', w.data]);
    await expect.poll(() => served.stderr()).toContain('does not exist yet');
    const cookie = await signIn(served);
    const overview = (await (await post(served, 'overview', cookie)).json()) as { value: Overview };
    expect(overview.value).toMatchObject({ sources: [], configFile: w.config });
    const saved = await (await post(served, 'saveSource', cookie, { source: { id: 'nightly', kind: 'dump-dir', path: w.dumps, settle: '0s' } })).json();
    expect(saved).toEqual({ ok: true, value: { ok: true, problems: [] } });
    expect(readFileSync(w.config, 'utf8')).toContain('id: nightly');
    const [polled] = ((await (await post(served, 'pollNow', cookie, { id: 'nightly' })).json()) as { value: { status: string }[] }).value;
    expect(polled!.status).toBe('ok');

    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
  });

  it.each([
    ['SIGTERM', 'asked to stop by kill or a service manager'],
    ['SIGHUP', 'its terminal or ssh session closed'],
  ] as const)('on %s during a restore drill, stops it, removes its scratch cluster, records why, and exits 0', async (signal, meaning) => {
    const w = workDir(`drill-${signal}`);
    const drillDir = join(parent, `drills-${signal}`);
    mkdirSync(drillDir, { recursive: true, mode: 0o755 });
    // A plain dump whose restore takes long enough to be under way when the stop comes.
    writeFileSync(
      join(w.dumps, 'slow.sql'),
      '--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.18\n-- Dumped by pg_dump version 15.18\n\nSELECT pg_sleep(60);\n\n--\n-- PostgreSQL database dump complete\n--\n\n',
    );
    writeFileSync(w.config, `defaults:\n  drillDir: ${drillDir}\nsources:\n  - id: nightly\n    kind: dump-dir\n    path: ${w.dumps}\n    settle: 0s\n`);
    const served = await serve(['--config', w.config, '--data', w.data]);
    const cookie = await signIn(served);
    await post(served, 'pollNow', cookie, { id: 'nightly' });
    const events = await fetch(`${served.origin}/api/events`, { headers: { cookie } });
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    const drill = post(served, 'runDrill', cookie, { id: 'nightly' });
    for (let seen = ''; !seen.includes('"phase":"restore"'); ) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the event stream ended before the restore began:\n${seen}`);
      seen += value;
    }
    expect(scratchDirsIn(drillDir)).toHaveLength(1);

    served.child.kill(signal);
    expect(await served.exited).toBe(0);
    const why = `the drill was interrupted during the restore phase: backup-health serve got ${signal} (${meaning})`;
    expect((await (await drill).json()) as unknown).toMatchObject({ ok: true, value: { outcome: 'error', message: why } });
    expect(scratchDirsIn(drillDir)).toEqual([]);
    expect(postgresProcessesUsing(drillDir)).toEqual([]);
    const history = await runCli(['history', '--source', 'nightly', '--config', w.config, '--data', w.data, '--json']);
    expect(JSON.parse(history.stdout).drills[0].message).toBe(why);
  });

  it('says which port is taken, and refuses a config with problems', async () => {
    const w = workDir('refusals');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = await runCli(['serve', '--config', w.config, '--data', w.data, '--port', String(port)]);
      expect(busy.code).toBe(3);
      expect(busy.stdout).toBe('');
      expect(busy.stderr).toContain(`--port ${port}: the port is in use`);
    } finally {
      taken.close();
    }
    writeFileSync(w.config, 'sources:\n  - id: nightly\n    kind: dump-dir\n');
    const broken = await runCli(['serve', '--config', w.config, '--data', w.data]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain(`${w.config}: sources[0].path`);
    const badPort = await runCli(['serve', '--config', w.config, '--port', 'http']);
    expect(badPort.code).toBe(3);
    expect(badPort.stderr).toContain('--port: "http" is not a port number');
  });
});
