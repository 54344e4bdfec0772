// runTool and fetchTar, the two ways a source's tools run on another machine, through a real sshd on
// 127.0.0.1: the same environment and secret as a local run (the secret never in an argv), ssh's own failures
// as ProbeErrors, and a tree copied here as a tar stream with its bytes counted.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteArgv, runTool, sshCommand } from '../../../electron/engine/remote';
import { describeFetchFailure, fetchTar, fetchTarThroughNode } from '../../../electron/engine/remote-fetch';
import { ProbeError } from '../../../electron/engine/errors';
import { startSshd, type TestSshd } from '../../support/sshd';

let sshd: TestSshd;
let root: string;

beforeAll(async () => {
  sshd = await startSshd();
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-remote-tool-'));
});

afterAll(async () => {
  await sshd?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const SHOW = ['-c', 'printf "%s|%s|%s" "$GREETING" "${SECRET_PW-unset}" "${HIDDEN_VAR-unset}"'];

describe('runTool', () => {
  it('gives the tool the same environment and secret here and over ssh', async () => {
    process.env.HIDDEN_VAR = 'inherited';
    try {
      // The secret's own name among the unset ones: inherited values go, the secret stays.
      const options = { env: { GREETING: "it's here" }, unsetEnv: ['HIDDEN_VAR', 'SECRET_PW'], secret: { name: 'SECRET_PW', value: `pa$$ 'word" \\x` } };
      const local = await runTool({}, 'sh', SHOW, options);
      const remote = await runTool({ host: sshd.host, sshOptions: sshd.sshOptions }, 'sh', SHOW, options);
      expect(local.stdout).toBe(`it's here|pa$$ 'word" \\x|unset`);
      expect(remote.code).toBe(0);
      expect(remote.stdout).toBe(local.stdout);
      // The secret is in neither the ssh argv nor the recorded command.
      const [, args] = sshCommand(sshd.host, sshd.sshOptions, remoteArgv('sh', SHOW, options.env, options.unsetEnv, 'SECRET_PW'));
      expect(args.join(' ')).not.toContain('word');
      expect(remote.command).not.toContain('word');
    } finally {
      delete process.env.HIDDEN_VAR;
    }
  });

  it('passes the remote tool exit code and stderr through', async () => {
    const result = await runTool({ host: sshd.host, sshOptions: sshd.sshOptions }, 'sh', ['-c', 'echo "no such stanza" >&2; exit 42']);
    expect(result.code).toBe(42);
    expect(result.stderr).toContain('no such stanza');
  });

  it('throws what to fix when ssh itself fails', async () => {
    const refused = await runTool({ host: sshd.host, sshOptions: sshd.wrongKeyOptions }, 'true', []).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProbeError);
    expect((refused as ProbeError).code).toBe('auth-failed');
    const unknown = await runTool({ host: sshd.host, sshOptions: sshd.unknownHostOptions }, 'true', []).catch((e: unknown) => e);
    expect((unknown as ProbeError).message).toMatch(/host key of 127\.0\.0\.1 is not known/);
  });

  it('refuses a secret that cannot travel as one line', async () => {
    const err = await runTool({ host: sshd.host, sshOptions: sshd.sshOptions }, 'true', [], { secret: { name: 'PW', value: 'a\nb' } }).catch((e: unknown) => e);
    expect((err as ProbeError).message).toMatch(/PW holds a line break/);
  });
});

// fetchTar (Linux: ssh writes straight into tar) and the path for systems without /proc, through Node.
describe.each([
  ['fetchTar', fetchTar],
  ['fetchTarThroughNode', fetchTarThroughNode],
])('%s', (_name, fetch) => {
  it('copies a tree with its modes and counts the bytes', async () => {
    const tree = join(root, 'tree with space');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    writeFileSync(join(tree, 'private'), 'only me', { mode: 0o600 });
    const dest = mkdtempSync(join(root, 'dest-'));
    const seen: number[] = [];
    const fetched = await fetch({ host: sshd.host, sshOptions: sshd.sshOptions }, 'tar', ['-C', tree, '-cf', '-', '.'], dest, { onProgress: (p) => seen.push(p.bytes) });
    expect(describeFetchFailure(fetched, 'tar', sshd.host)).toBeNull();
    expect(statSync(join(dest, 'sub', 'big.bin')).size).toBe(3 * 1024 * 1024);
    expect(readFileSync(join(dest, 'private'), 'utf8')).toBe('only me');
    expect(statSync(join(dest, 'private')).mode & 0o777).toBe(0o600);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBeGreaterThan(3 * 1024 * 1024);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('says which side failed', async () => {
    const dest = mkdtempSync(join(root, 'dest-'));
    const missing = await fetch({ host: sshd.host, sshOptions: sshd.sshOptions }, 'tar', ['-C', join(root, 'nope'), '-cf', '-', '.'], dest);
    expect(describeFetchFailure(missing, 'tar', sshd.host)).toMatch(/^tar exited with code 2: .*\(on root@127\.0\.0\.1\)$/);
    const notTar = await fetch({ host: sshd.host, sshOptions: sshd.sshOptions }, 'sh', ['-c', 'head -c 100000 /dev/zero | tr "\\0" x'], dest);
    expect(describeFetchFailure(notTar, 'sh', sshd.host)).toBe(`unpacking the copy from ${sshd.host} here failed: This does not look like a tar archive`);
    // The tool fails after its output ended; tar gives up first, but the tool's own exit code says why.
    const failedLate = await fetch({ host: sshd.host, sshOptions: sshd.sshOptions }, 'sh', ['-c', 'printf garbage; echo "repository is already locked" >&2; exec 1>&- 2>&-; sleep 0.5; exit 11'], dest);
    expect(describeFetchFailure(failedLate, 'sh', sshd.host)).toBe('sh exited with code 11: repository is already locked (on root@127.0.0.1)');
    // tar here gives up (its directory is gone) while the sender still sends: tar's complaint is the reason,
    // not ssh's exit 255 on the closed pipe.
    const gone = await fetch({ host: sshd.host, sshOptions: sshd.sshOptions }, 'tar', ['-C', '/usr', '-cf', '-', 'lib'], join(root, 'no-such-dest'));
    expect(describeFetchFailure(gone, 'tar', sshd.host)).toMatch(/^unpacking the copy from root@127\.0\.0\.1 here failed: .*no-such-dest: Cannot open: No such file or directory$/);
    const cut = new AbortController();
    const stopped = fetch({ host: sshd.host, sshOptions: sshd.sshOptions }, 'sh', ['-c', 'sleep 30'], dest, { signal: cut.signal });
    setTimeout(() => cut.abort(), 200);
    expect(describeFetchFailure(await stopped, 'sh', sshd.host)).toMatch(/sh was cancelled \(on /);
  });
});
