// A real sshd on 127.0.0.1 for tests of sources read over ssh: generated host and client keys, its own
// config, known_hosts and authorized_keys in a temp dir, logging in as the user running the tests (root).
// `sshOptions` are what a user would put in the source's sshOptions (or ~/.ssh/config) to reach it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describeFailure, run } from '../../electron/engine/exec';
import { freePort } from './postgres-fixtures';

export interface TestSshd {
  port: number;
  /** user@127.0.0.1, for a source's `host`. */
  host: string;
  dir: string;
  pid: number;
  /** Port, the authorized key, and a known_hosts holding the host key, strictly checked. */
  sshOptions: string[];
  /** The same, but with a key sshd does not know. */
  wrongKeyOptions: string[];
  /** The same as sshOptions, but with an empty known_hosts. */
  unknownHostOptions: string[];
  stop(): Promise<void>;
}

async function keygen(path: string): Promise<void> {
  const result = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'backup-health-test', '-f', path]);
  if (result.code !== 0) throw new Error(describeFailure(result, 'ssh-keygen'));
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** `setEnv`: variables sshd sets in every session (sshd_config SetEnv), e.g. a PATH without the tools. */
export async function startSshd(options: { setEnv?: Record<string, string> } = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-test-sshd-'));
  // sshd's privilege separation directory, compiled in; a systemd-started sshd would have made it.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  const wrongKey = join(dir, 'wrong_ed25519');
  await Promise.all([keygen(hostKey), keygen(clientKey), keygen(wrongKey)]);
  const port = await freePort();
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const [keyType, keyData] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${keyType} ${keyData}\n`);
  writeFileSync(join(dir, 'known_hosts_empty'), '');
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      // /tmp is world-writable, which StrictModes rejects for the authorized_keys path.
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'LogLevel ERROR',
      ...Object.entries(options.setEnv ?? {}).map(([name, value]) => `SetEnv ${name}=${value}`),
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on 127.0.0.1:${port}: ${stderr.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const common = [`Port=${port}`, 'IdentitiesOnly=yes', 'StrictHostKeyChecking=yes', 'GlobalKnownHostsFile=/dev/null', 'LogLevel=ERROR'];
  return {
    port,
    host: `${userInfo().username}@127.0.0.1`,
    dir,
    pid: child.pid!,
    sshOptions: [...common, `IdentityFile=${clientKey}`, `UserKnownHostsFile=${join(dir, 'known_hosts')}`],
    wrongKeyOptions: [...common, `IdentityFile=${wrongKey}`, `UserKnownHostsFile=${join(dir, 'known_hosts')}`],
    unknownHostOptions: [...common, `IdentityFile=${clientKey}`, `UserKnownHostsFile=${join(dir, 'known_hosts_empty')}`],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
