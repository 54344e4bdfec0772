// `backup-health serve` with Prometheus metrics, as a user starts it: /metrics on the dashboard listener behind
// the metrics token only, --metrics-listen's own listener (any Host, only /metrics), the refusals that keep the
// metrics from being open to the network, and the token kept out of everything serve prints.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { freePort } from '../../support/postgres-fixtures';
import { serve, type Served } from '../../support/serve';
import { raw, writeDump } from './fixture';

const HOUR = 3_600_000;
const TOKEN = 'metrics-token-7Hq2xV9pLr4sWz8K';
const root = mkdtempSync(join(tmpdir(), 'backup-health-metrics-serve-'));
const running: Served[] = [];

beforeAll(() => {
  ensureCliBuilt();
  // A bundle built before --metrics-listen existed would fail every test here for the wrong reason.
  if (!readFileSync('out/cli/index.js', 'utf8').includes('metrics-listen')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
});
afterEach(async () => {
  for (const served of running.splice(0)) {
    served.child.kill('SIGTERM');
    await served.exited;
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Two dump directories: `fresh` (a dump from an hour ago) and `stale` (its only dump three days old: critical). */
function workDir(name: string) {
  const dir = join(root, name);
  for (const sub of ['fresh', 'stale']) mkdirSync(join(dir, sub), { recursive: true });
  writeDump(join(dir, 'fresh'), 'nightly.sql', HOUR);
  writeDump(join(dir, 'stale'), 'nightly.sql', 72 * HOUR);
  const config = join(dir, 'config.yml');
  writeFileSync(config, ['sources:', ...['fresh', 'stale'].flatMap((id) => [`  - id: ${id}`, '    kind: dump-dir', `    path: ${join(dir, id)}`, '    settle: 0s'])].join('\n') + '\n');
  const tokenFile = join(dir, 'metrics-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  return { config, data: join(dir, 'data'), tokenFile };
}

async function start(args: string[]): Promise<Served> {
  const served = await serve(args);
  running.push(served);
  return served;
}

const bearer = { authorization: `Bearer ${TOKEN}` };

/** The status samples of a scrape, as { source: value }, once the first poll has judged both sources. */
async function statuses(port: number, headers: Record<string, string> = bearer): Promise<Record<string, number>> {
  let found: Record<string, number> = {};
  await expect
    .poll(async () => {
      const res = await raw(port, { path: '/metrics', headers });
      found = Object.fromEntries([...res.body.matchAll(/^backup_health_source_status\{source="([^"]+)",kind="dump-dir"\} (\d)$/gm)].map((m) => [m[1], Number(m[2])]));
      return res.body.includes('backup_health_last_probe_timestamp_seconds{source="stale"') && res.body.includes('backup_health_last_probe_timestamp_seconds{source="fresh"');
    })
    .toBe(true);
  return found;
}

describe('serve --metrics-token-file', () => {
  it('answers /metrics on the dashboard listener to the metrics bearer token only, in the exposition format', async () => {
    const w = workDir('dashboard');
    const served = await start(['--config', w.config, '--data', w.data, '--metrics-token-file', w.tokenFile]);
    expect(await statuses(served.port)).toEqual({ fresh: 0, stale: 2 });

    const ok = await raw(served.port, { path: '/metrics', headers: bearer });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.body).toMatch(/^# HELP backup_health_up /);
    expect(ok.body).toContain('\nbackup_health_up 1\n');
    expect(ok.body).toMatch(/\nbackup_health_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1\n/);
    expect(ok.body).toMatch(/\nbackup_health_newest_backup_size_bytes\{source="fresh",kind="dump-dir"\} 4096\n/);
    const newest = Number(/\nbackup_health_newest_backup_timestamp_seconds\{source="fresh",kind="dump-dir"\} ([\d.]+)\n/.exec(ok.body)?.[1]);
    expect(Math.abs(Date.now() / 1000 - 3600 - newest)).toBeLessThan(600);
    const head = await raw(served.port, { method: 'HEAD', path: '/metrics', headers: bearer });
    expect([head.status, head.body]).toEqual([200, '']);

    // Without it, with the dashboard's own token (bearer or cookie), with a wrong one, or in the URL: refused.
    const refused: Record<string, string>[] = [{}, { authorization: `Bearer ${served.token}` }, { cookie: `backup-health-token-${served.port}=${served.token}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }];
    for (const headers of refused) {
      const res = await raw(served.port, { path: '/metrics', headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="backup-health metrics"');
      expect(res.body).not.toContain('backup_health');
    }
    const inUrl = await raw(served.port, { path: `/metrics?token=${TOKEN}` });
    expect(inUrl.status).toBe(401);
    expect(inUrl.body).toContain('a token in the URL is not accepted');
    // The dashboard listener still refuses foreign Host names, token or not.
    expect((await raw(served.port, { path: '/metrics', headers: { ...bearer, host: `backup.example.com:${served.port}` } })).status).toBe(403);
    expect((await raw(served.port, { method: 'POST', path: '/metrics', headers: bearer })).status).toBe(405);
    // The metrics token buys nothing else.
    expect((await raw(served.port, { method: 'POST', path: '/api/overview', headers: bearer })).status).toBe(401);

    await expect.poll(() => served.stderr()).toContain(`Prometheus metrics at ${served.origin}/metrics (bearer token required)`);
    expect(served.stderr()).not.toContain(TOKEN);
  });

  it('without a metrics token, /metrics is not served, and says how to turn it on', async () => {
    const w = workDir('off');
    const served = await start(['--config', w.config, '--data', w.data]);
    const res = await raw(served.port, { path: '/metrics', headers: bearer });
    expect(res.status).toBe(404);
    expect(res.body).toContain('/metrics is off; start backup-health serve with --metrics-token-file FILE');
    await expect.poll(() => served.stderr()).toContain('Ctrl-C stops the server');
    expect(served.stderr()).not.toContain('Prometheus');
  });
});

describe('serve --metrics-listen', () => {
  it('serves only /metrics on its own listener, to any Host, behind the token', async () => {
    const w = workDir('listen');
    const port = await freePort();
    const served = await start(['--config', w.config, '--data', w.data, '--metrics-token-file', w.tokenFile, '--metrics-listen', `127.0.0.1:${port}`]);
    // A Prometheus elsewhere names this machine as it knows it.
    const foreignHost = { ...bearer, host: `backup1.example.com:${port}` };
    expect(await statuses(port, foreignHost)).toEqual({ fresh: 0, stale: 2 });
    expect((await raw(port, { path: '/metrics' })).status).toBe(401);
    expect((await raw(port, { path: '/metrics', headers: { authorization: `Bearer ${served.token}` } })).status).toBe(401);
    for (const path of ['/', '/index.html', '/api/overview', '/metrics/', '/metrics.txt']) {
      const res = await raw(port, { path, headers: bearer });
      expect([path, res.status, res.body]).toEqual([path, 404, 'Not found: this listener serves only /metrics.\n']);
    }
    expect((await raw(port, { method: 'POST', path: '/api/overview', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    await expect.poll(() => served.stderr()).toContain(`Prometheus metrics at http://127.0.0.1:${port}/metrics (bearer token required)`);
    expect(served.stderr()).not.toContain(TOKEN);
  });

  it('on a loopback address without a token, serves /metrics to anyone on this machine; the dashboard listener still does not', async () => {
    const w = workDir('loopback');
    const port = await freePort();
    const served = await start(['--config', w.config, '--data', w.data, '--metrics-listen', `127.0.0.1:${port}`]);
    expect(await statuses(port, {})).toEqual({ fresh: 0, stale: 2 });
    expect((await raw(served.port, { path: '/metrics' })).status).toBe(404);
    await expect.poll(() => served.stderr()).toContain(`Prometheus metrics at http://127.0.0.1:${port}/metrics (no token: loopback only)`);
  });

  it('refuses to start open to the network without a token, and refuses bad flags, naming them', async () => {
    const w = workDir('refusals');
    const short = join(root, 'short-token');
    writeFileSync(short, 'tooshort\n');
    const cases: [string[], RegExp][] = [
      [['--metrics-listen', '0.0.0.0:9187'], /^--metrics-listen 0\.0\.0\.0:9187: 0\.0\.0\.0 is not a loopback address, so the metrics need a token: add --metrics-token-file FILE/],
      [['--metrics-listen', '[::]:9187'], /^--metrics-listen \[::\]:9187: :: is not a loopback address/],
      [['--metrics-listen', 'backup1:9187'], /^--metrics-listen: "backup1:9187" is not ADDR:PORT/],
      [['--metrics-token-file', short], /--metrics-token-file .*short-token: the token has 8 characters; use at least 16/],
      [['--metrics-token-file', join(root, 'missing')], /--metrics-token-file .*missing: cannot read the token: no such file/],
      [['--metrics-token', TOKEN, '--metrics-token-file', w.tokenFile], /^--metrics-token and --metrics-token-file: give one of them, not both/],
      [['--metrics-token', 'has a space in it somewhere'], /^--metrics-token: the token must be printable ASCII without spaces/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['serve', '--config', w.config, '--data', w.data, ...args]);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 3]);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain(TOKEN);
    }
  });

  it('says so when the metrics port is taken, and exits 3 rather than run without its listener', async () => {
    const w = workDir('taken');
    const first = await start(['--config', w.config, '--data', join(root, 'taken-data-1'), '--metrics-token', TOKEN, '--metrics-listen', '127.0.0.1:0']);
    await expect.poll(() => first.stderr()).toMatch(/Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    const port = Number(/Prometheus metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(first.stderr())?.[1]);
    expect(port).toBeGreaterThan(0);
    const result = await runCli(['serve', '--config', w.config, '--data', join(root, 'taken-data-2'), '--metrics-token', TOKEN, '--metrics-listen', `127.0.0.1:${port}`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`--metrics-listen 127.0.0.1:${port}: cannot listen there: the port is in use; pick another`);
  });
});
