// The serve token opens the dashboard, not a shell: over the real HTTP server, sshOptions that run a program,
// load code or smuggle a second option are refused by validateSource, testSource and saveSource alike, with a
// message on the field; nothing runs (the marker the payload would write never appears) and nothing is saved
// (the config file is byte for byte the same). Inert options still save, and Test reaches a real sshd.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceTest, Validation } from '../../../shared/api';
import { run } from '../../../electron/engine/exec';
import { sshCommand } from '../../../electron/engine/remote';
import { startSshd, type TestSshd } from '../../support/sshd';
import { call, startFixture, type Fixture } from './fixture';

let f: Fixture;
let sshd: TestSshd;
let markers: string;
/** A directory option the config file has and the dashboard could not set: kept as written on a save. */
const HAND_WRITTEN = 'ControlMaster=no';

beforeAll(async () => {
  sshd = await startSshd();
  markers = mkdtempSync(join(tmpdir(), 'backup-health-markers-'));
  f = await startFixture(
    (dumps) =>
      [
        '# written by hand',
        'sources:',
        '  - id: remote-dumps',
        '    kind: dump-dir',
        `    path: ${dumps}`,
        '    settle: 0s',
        `    host: ${sshd.host}`,
        '    sshOptions:',
        ...[...sshd.sshOptions, HAND_WRITTEN].map((o) => `      - ${JSON.stringify(o)}`),
        '  - id: stanza',
        '    kind: pgbackrest',
        '    stanza: main',
        '    configPath: /etc/pgbackrest/pgbackrest.conf',
        '',
      ].join('\n'),
  );
});
afterAll(async () => {
  await f?.close();
  await sshd?.stop();
  rmSync(markers, { recursive: true, force: true });
});

type Answer<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
async function api<T>(method: string, args: unknown): Promise<T> {
  const res = await call(f, method, args);
  const answer = JSON.parse(res.body) as Answer<T>;
  if (!answer.ok) throw new Error(`${method}: ${answer.error.message}`);
  return answer.value;
}

const marker = (name: string) => join(markers, name);
const markerExists = (name: string) => {
  try {
    readFileSync(marker(name));
    return true;
  } catch {
    return false;
  }
};

/** Each payload, and the option name the refusal must name. */
const HOSTILE: { name: string; options: (m: string) => string[]; names: string }[] = [
  { name: 'proxy-command', options: (m) => [`ProxyCommand=sh -c 'touch ${m}'`], names: 'ProxyCommand is not allowed here; put it in ~/.ssh/config for this host' },
  { name: 'proxy-command-lower', options: (m) => [`proxycommand sh -c 'touch ${m}'`], names: 'ProxyCommand is not allowed here; put it in ~/.ssh/config for this host' },
  { name: 'local-command', options: (m) => ['PermitLocalCommand=yes', `LocalCommand=touch ${m}`], names: 'LocalCommand is not allowed here' },
  { name: 'pkcs11', options: () => ['PKCS11Provider=/x.so'], names: 'PKCS11Provider is not allowed here' },
  { name: 'known-hosts-command', options: (m) => [`KnownHostsCommand=/bin/sh -c 'touch ${m}'`], names: 'KnownHostsCommand is not allowed here' },
  { name: 'match-exec', options: (m) => [`Match exec "touch ${m}"`], names: 'Match is not allowed here' },
  { name: 'newline', options: (m) => [`Port=${sshd.port}\nProxyCommand=touch ${m}`], names: 'without control characters' },
  { name: 'leading-dash', options: (m) => [`-oProxyCommand=touch ${m}`], names: 'is not an ssh option' },
  { name: 'second-option-in-value', options: (m) => [`User=root ProxyCommand=touch ${m}`], names: 'is not a value accepted here' },
  { name: 'strict-no', options: () => ['StrictHostKeyChecking=no'], names: 'StrictHostKeyChecking: only yes is allowed here' },
  { name: 'proxy-jump', options: () => ['ProxyJump=evil.example'], names: 'ProxyJump is not allowed here' },
  { name: 'forward-agent', options: () => ['ForwardAgent=yes'], names: 'ForwardAgent is not allowed here' },
];

describe('sshOptions through the API', () => {
  it('the payloads are real: given to ssh directly, ProxyCommand and LocalCommand do run', async () => {
    const [ssh, args] = sshCommand(sshd.host, [`ProxyCommand=sh -c 'touch ${marker('naive-proxy')}'`], ['true']);
    await run(ssh, args, { timeoutMs: 15_000 });
    expect(markerExists('naive-proxy')).toBe(true);
    const [ssh2, args2] = sshCommand(sshd.host, [...sshd.sshOptions, 'PermitLocalCommand=yes', `LocalCommand=touch ${marker('naive-local')}`], ['true']);
    expect((await run(ssh2, args2, { timeoutMs: 15_000 })).code).toBe(0);
    expect(markerExists('naive-local')).toBe(true);
  });

  for (const payload of HOSTILE) {
    it(`refuses ${payload.name} in validate, test and save, for a new source and an edited one; nothing runs or is saved`, async () => {
      const before = readFileSync(f.configFile, 'utf8');
      const options = payload.options(marker(payload.name));
      const edits = [
        { source: { id: 'new-remote', kind: 'dump-dir', path: f.dumps, settle: '0s', host: sshd.host, sshOptions: [...sshd.sshOptions, ...options] } },
        { originalId: 'remote-dumps', source: { id: 'remote-dumps', kind: 'dump-dir', path: f.dumps, settle: '0s', host: sshd.host, sshOptions: [...options, ...sshd.sshOptions, HAND_WRITTEN] } },
      ];
      for (const edit of edits) {
        for (const method of ['validateSource', 'testSource', 'saveSource']) {
          const result = await api<Validation & SourceTest>(method, edit);
          expect(result.ok, `${method} ${JSON.stringify(edit.source.sshOptions)}`).toBe(false);
          expect(result.summary).toBeUndefined();
          const problem = result.problems.find((p) => p.path.startsWith('sshOptions'));
          expect(problem?.message, `${method}: ${JSON.stringify(result.problems)}`).toContain(payload.names);
        }
      }
      expect(markerExists(payload.name)).toBe(false);
      expect(readFileSync(f.configFile, 'utf8')).toBe(before);
    });
  }

  it('Test reaches the real sshd with inert options, and Save keeps a hand-written option it could not set', async () => {
    const edit = { originalId: 'remote-dumps', source: { id: 'remote-dumps', name: 'Remote dumps', kind: 'dump-dir', path: f.dumps, settle: '0s', host: sshd.host, sshOptions: [...sshd.sshOptions, 'ServerAliveInterval=15', HAND_WRITTEN] } };
    const tested = await api<SourceTest>('testSource', edit);
    expect(tested.problems).toEqual([]);
    expect(tested.summary?.status).toBe('ok');
    expect(tested.observed).toMatch(/^2 backups/);
    expect(await api<Validation>('saveSource', edit)).toEqual({ ok: true, problems: [] });
    const saved = readFileSync(f.configFile, 'utf8');
    expect(saved).toContain('# written by hand');
    expect(saved).toContain('ServerAliveInterval=15');
    expect(saved).toContain(HAND_WRITTEN);

    // The dashboard cannot change the hand-written one, nor add it to another source.
    const changed = await api<Validation>('saveSource', { ...edit, source: { ...edit.source, sshOptions: [...sshd.sshOptions, 'ControlMaster=auto'] } });
    expect(changed.problems).toEqual([expect.objectContaining({ path: `sshOptions[${sshd.sshOptions.length}]`, message: expect.stringContaining('ControlMaster is not allowed here') })]);
    const added = await api<Validation>('validateSource', { source: { id: 'other', kind: 'dump-dir', path: f.dumps, host: sshd.host, sshOptions: [HAND_WRITTEN] } });
    expect(added.problems.map((p) => p.message)).toContain('ControlMaster is not allowed here; put it in ~/.ssh/config for this host (the dashboard only sets options that run nothing: Port, User, IdentityFile, IdentitiesOnly, CertificateFile, ConnectTimeout, ConnectionAttempts, ServerAliveInterval, …)');
    expect(readFileSync(f.configFile, 'utf8')).toBe(saved);
  });
});

describe('fields that name a program to run', () => {
  it('postgresBin and defaults cannot be set through the API', async () => {
    const before = readFileSync(f.configFile, 'utf8');
    for (const extra of [{ postgresBin: markers }, { defaults: { postgresBin: markers } }, { drillDir: markers }]) {
      const result = await api<Validation>('saveSource', { source: { id: 'local-dumps', kind: 'dump-dir', path: f.dumps, ...extra } });
      const field = Object.keys(extra)[0]!;
      expect(result.ok).toBe(false);
      expect(result.problems).toContainEqual({ path: field, message: expect.stringMatching(new RegExp(`^${field} is set in the config file only \\(`)) });
    }
    expect(readFileSync(f.configFile, 'utf8')).toBe(before);
  });

  it("pgBackRest's configPath is kept as the file has it, never set or changed through the API", async () => {
    const before = readFileSync(f.configFile, 'utf8');
    const kept = await api<Validation>('validateSource', { originalId: 'stanza', source: { id: 'stanza', kind: 'pgbackrest', stanza: 'main', configPath: '/etc/pgbackrest/pgbackrest.conf', maxAge: '2d' } });
    expect(kept).toEqual({ ok: true, problems: [] });
    for (const edit of [
      { originalId: 'stanza', source: { id: 'stanza', kind: 'pgbackrest', stanza: 'main', configPath: join(markers, 'evil.conf') } },
      { source: { id: 'stanza-2', kind: 'pgbackrest', stanza: 'main', configPath: '/etc/pgbackrest/pgbackrest.conf' } },
    ]) {
      for (const method of ['testSource', 'saveSource']) {
        const result = await api<Validation>(method, edit);
        expect(result.problems).toContainEqual({ path: 'configPath', message: expect.stringContaining('configPath is set in the config file only') });
      }
    }
    expect(readFileSync(f.configFile, 'utf8')).toBe(before);
  });

  it('a restic or borg repository cannot hand ssh an option, nor restic an rclone program', async () => {
    // The payload is real: borg 1.2 hands such a host to ssh (`ssh -oProxyCommand=… borg serve`), which runs it.
    await run('borg', ['list', '-oProxyCommand=touch naive-borg:repo'], { cwd: markers, env: { ...process.env, BORG_PASSPHRASE: 'x' }, timeoutMs: 30_000 });
    expect(markerExists('naive-borg')).toBe(true);

    const before = readFileSync(f.configFile, 'utf8');
    const password = join(markers, 'password');
    writeFileSync(password, 'x\n', { mode: 0o600 });
    const cases = [
      { kind: 'restic', repo: `sftp:-oProxyCommand=touch ${marker('restic-sftp')}:/repo`, message: 'names a host or user starting with -' },
      { kind: 'restic', repo: `sftp://backup@-oProxyCommand=touch ${marker('restic-sftp2')}/repo`, message: 'names a host or user starting with -' },
      { kind: 'restic', repo: `rclone::sftp,ssh=touch ${marker('rclone')}:repo`, message: 'set in the config file only' },
      { kind: 'borg', repo: 'ssh://-oProxyCommand=touch borg-ssh-marker/./repo', message: 'names a host or user starting with -' },
      { kind: 'borg', repo: 'backup@-oProxyCommand=touch borg-marker:repo', message: 'names a host or user starting with -' },
      { kind: 'borg', repo: '-oProxyCommand=touch borg-marker:repo', message: 'must not start with -' },
    ];
    for (const { kind, repo, message } of cases) {
      const result = await api<SourceTest>('testSource', { source: { id: 'repo', kind, repo, passwordFile: password } });
      expect(result.ok, repo).toBe(false);
      expect(result.problems).toContainEqual({ path: 'repo', message: expect.stringContaining(message) });
    }
    expect(['restic-sftp', 'restic-sftp2', 'rclone'].filter(markerExists)).toEqual([]);
    // borg's payloads would write into the server's working directory.
    expect(['borg-marker', 'borg-ssh-marker'].filter((name) => existsSync(name))).toEqual([]);
    expect(readFileSync(f.configFile, 'utf8')).toBe(before);
  });
});
