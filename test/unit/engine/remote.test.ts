import { describe, expect, it } from 'vitest';
import { run, type RunResult } from '../../../electron/engine/exec';
import { describeSshFailure, remoteArgv, shellQuote, sshCommand } from '../../../electron/engine/remote';
import { parseFindTime, parseListing } from '../../../electron/engine/sources/dump-dir/remote';
import { validateConfig } from '../../../shared/config';

const HOSTILE = [
  'plain',
  '',
  'two words',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/pwned)',
  '`id`',
  '$HOME ${PATH}',
  'line one\nline two',
  '*.dump',
  '?[a-z]',
  '; rm -rf / #',
  '-n',
  '\\ backslash \\n',
  'tab\there',
  '!history',
  'ünïcødé ☃',
];

describe('shellQuote', () => {
  it('wraps every argument in single quotes and escapes embedded ones', () => {
    expect(shellQuote(['a b', "it's", ''])).toBe(`'a b' 'it'\\''s' ''`);
    expect(shellQuote(['$(x)', '`y`', '*'])).toBe(`'$(x)' '\`y\`' '*'`);
  });

  it('is read back by a POSIX shell as exactly the same arguments, with nothing expanded', async () => {
    const result = await run('/bin/sh', ['-c', `printf '%s\\0' ${shellQuote(HOSTILE)}`], { cwd: '/' });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });
});

describe('sshCommand', () => {
  it('runs ssh in batch mode with a connect timeout, the user options between, then the quoted command', () => {
    const [command, args] = sshCommand('backup@backup1', ['Port=2222', 'IdentityFile=~/.ssh/backup key'], ['ls', '-l', '/srv/my dumps']);
    expect(command).toBe('ssh');
    expect(args).toEqual(['-o', 'BatchMode=yes', '-o', 'Port=2222', '-o', 'IdentityFile=~/.ssh/backup key', '-o', 'ConnectTimeout=10', '--', 'backup@backup1', `'ls' '-l' '/srv/my dumps'`]);
  });

  it('refuses a host that ssh would read as an option', () => {
    expect(() => sshCommand('-oProxyCommand=x', [], ['true'])).toThrow(/not a host name/);
  });
});

function failed(stderr: string, code: number | null = 255, extra: Partial<RunResult> = {}): RunResult {
  return { command: 'ssh', code, signal: null, stdout: '', stderr, timedOut: false, aborted: false, truncated: false, durationMs: 10, ...extra };
}

describe('remoteArgv', () => {
  it('unsets inherited variables first, then sets the secret, then the plain ones, as a local run does', async () => {
    const argv = remoteArgv('sh', ['-c', 'printf "%s|%s|%s" "${PW-unset}" "${OTHER-unset}" "$PLAIN"'], { PLAIN: 'p' }, ['PW', 'OTHER'], 'PW');
    expect(argv.slice(0, 5)).toEqual(['env', '-u', 'PW', '-u', 'OTHER']);
    // Run it as the remote shell would, with both variables inherited and the secret on stdin.
    const result = await run('sh', ['-c', shellQuote(argv)], { input: 'from stdin\n', env: { ...process.env, PW: 'inherited', OTHER: 'inherited' } });
    expect(result.stdout).toBe('from stdin|unset|p');
  });

  it('leaves a plain command plain', () => {
    expect(remoteArgv('borg', ['list'])).toEqual(['borg', 'list']);
    expect(remoteArgv('borg', ['list'], { TZ: 'UTC0' })).toEqual(['env', 'TZ=UTC0', 'borg', 'list']);
  });
});

describe('describeSshFailure', () => {
  it.each([
    ['Host key verification failed.\r\n', 'config', 'the host key of backup1 is not known or changed: connect once with ssh root@backup1 to check and accept it'],
    ['root@backup1: Permission denied (publickey).\r\n', 'auth-failed', /refused the ssh login as root@backup1 \(Permission denied \(publickey\)\)/],
    ['ssh: connect to host backup1 port 22: Connection refused\r\n', 'refused', /backup1 refused the ssh connection/],
    ['ssh: connect to host backup1 port 22: Connection timed out\r\n', 'timeout', /timed out/],
    ['ssh: Could not resolve hostname backup1: Name or service not known\r\n', 'dns', /cannot resolve the host name backup1/],
    ['kex_exchange_identification: read: Connection reset by peer\r\n', 'failed', /ssh to root@backup1 failed: kex_exchange_identification/],
  ])('%j -> %s', (stderr, code, message) => {
    const err = describeSshFailure(failed(stderr), 'root@backup1');
    expect(err?.code).toBe(code);
    expect(err?.host).toBe('root@backup1');
    if (typeof message === 'string') expect(err?.message).toBe(message);
    else expect(err?.message).toMatch(message);
  });

  it('says a changed host key is not the same as an unknown one', () => {
    const err = describeSshFailure(failed('@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n'), 'backup1');
    expect(err?.code).toBe('config');
    expect(err?.message).toMatch(/has changed.*ssh-keygen -R backup1/);
  });

  it('leaves the remote command its own exit codes', () => {
    expect(describeSshFailure(failed('find: oops', 1), 'backup1')).toBeNull();
    expect(describeSshFailure(failed('', 0), 'backup1')).toBeNull();
  });

  it('reports a missing ssh client and a timeout', () => {
    const enoent = Object.assign(new Error('spawn ssh ENOENT'), { code: 'ENOENT' });
    expect(describeSshFailure(failed('', null, { spawnError: enoent }), 'backup1')?.message).toMatch(/ssh is not installed/);
    expect(describeSshFailure(failed('', null, { timedOut: true, durationMs: 30_000 }), 'backup1')).toMatchObject({ code: 'timeout', message: 'no answer from backup1 over ssh within 30s' });
  });
});

describe('host and sshOptions in the config', () => {
  const problems = (fields: Record<string, unknown>) => {
    const parsed = validateConfig({ sources: [{ id: 'd', kind: 'dump-dir', path: '/srv/dumps', ...fields }] });
    return parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('accepts host and user@host with Key=Value options', () => {
    expect(problems({ host: 'backup1' })).toEqual([]);
    expect(problems({ host: 'backup@backup1.example.com', sshOptions: ['Port=2222', 'ProxyJump=bastion', 'Ciphers=aes128-ctr,aes256-ctr'] })).toEqual([]);
  });

  it('rejects what ssh would read as an option, ports in host, and anything not Key=Value', () => {
    expect(problems({ host: '-oProxyCommand=x' })).toEqual([expect.stringMatching(/^sources\[0\]\.host: must be a host name or user@host/)]);
    expect(problems({ host: 'backup1:2222' })).toEqual([expect.stringMatching(/Port=2222/)]);
    expect(problems({ host: 'backup1', sshOptions: ['-p 2222'] })).toEqual([expect.stringMatching(/^sources\[0\]\.sshOptions\[0\]: must be an ssh option written Key=Value/)]);
    expect(problems({ host: 'backup1', sshOptions: ['ProxyCommand=-x'] })).toHaveLength(1);
    expect(problems({ host: 'backup1', sshOptions: ['Port=22\nProxyCommand=x'] })).toHaveLength(1);
    expect(problems({ host: 'backup1', sshOptions: ['BatchMode=no'] })).toEqual([expect.stringMatching(/BatchMode cannot be changed/)]);
  });

  it('wants host with sshOptions, and drills remote dumps', () => {
    expect(problems({ sshOptions: ['Port=2222'] })).toEqual([expect.stringMatching(/^sources\[0\]\.sshOptions: .*set host too/)]);
    expect(problems({ host: 'backup1', drill: { every: '7d' } })).toEqual([]);
  });
});

describe('remote listing', () => {
  it('turns find times into whole milliseconds without float rounding', () => {
    expect(parseFindTime('1712345678.9999999990')).toBe(1712345678999);
    expect(parseFindTime('1712345678.0010000000')).toBe(1712345678001);
    expect(parseFindTime('1712345678')).toBe(1712345678000);
  });

  it('reads NUL-ended records, odd names (spaces, tabs, newlines, quotes) intact', () => {
    expect(parseListing("a b\tc.dump\tf\t12\t1712345678.5\0it's\nnew.dump\td\t4096\t1712345679.25\0").entries).toEqual([
      { name: 'a b\tc.dump', type: 'f', sizeBytes: 12, mtimeMs: 1712345678500 },
      { name: "it's\nnew.dump", type: 'd', sizeBytes: 4096, mtimeMs: 1712345679250 },
    ]);
  });

  it('after an empty record, reads the symlinks that lead out of the directory with their own times', () => {
    const listing = parseListing('ok.dump\tf\t12\t1712345678.5\u0000\u0000secret.dump\u00001712345600.0\u0000');
    expect(listing.entries.map((e) => e.name)).toEqual(['ok.dump']);
    expect([...listing.outside]).toEqual([['secret.dump', 1712345600000]]);
  });
});
