// Every tool the engine starts (pg_restore, psql, ssh, restic, borg, pgbackrest: all through exec.run) dies with
// the process that started it, even when that process is killed with SIGKILL and can clean nothing up itself;
// and a tool that is not installed still says so as before.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { describeFailure, run } from '../../../electron/engine/exec';
import { dyingWithParent } from '../../../electron/engine/parent-death';
import { waitFor } from '../../support/postgres-fixtures';
import { isAlive } from '../../support/processes';

async function toolOfKilledParent(command: string, args: string[]): Promise<number> {
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-tool.ts', command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: parent.stdout! }).once('line', resolve);
    parent.once('exit', (code) => reject(new Error(`the parent exited with ${code}`)));
  });
  const { pid } = JSON.parse(line) as { pid: number };
  // Running the tool itself, not still setpriv: setpriv sets the parent-death signal and then execs the tool, so a
  // parent killed before that (a loaded machine can hold setpriv there for a while) would orphan it for good.
  await waitFor('the tool to run', () => isAlive(pid) && argv0(pid) === command, { timeoutMs: 60_000 });
  parent.kill('SIGKILL');
  await new Promise((resolve) => parent.once('exit', resolve));
  return pid;
}

/** A process's argv[0] as /proc shows it; null once it is gone. */
function argv0(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000')[0] ?? null;
  } catch {
    return null;
  }
}

describe.runIf(process.platform === 'linux')('a tool started by the engine', () => {
  it('is killed when the process that started it is killed with SIGKILL (found on PATH or by its path)', async () => {
    for (const [command, args] of [['sleep', ['600']], ['/bin/sleep', ['601']]] as const) {
      const pid = await toolOfKilledParent(command, [...args]);
      await waitFor(`the orphaned ${command} to be killed`, () => !isAlive(pid), { timeoutMs: 60_000 });
    }
  });

  it('is never started for a parent already gone: the guard after setpriv sees a stranger as its parent and stops', async () => {
    // A parent killed before setpriv set the signal cannot be timed from a test; what the guard sees then can:
    // a parent pid that is not its parent (here init's, 1). The tool must not run at all.
    const dir = mkdtempSync(join(tmpdir(), 'backup-health-test-guard-'));
    try {
      const marker = join(dir, 'ran');
      const orphaned = dyingWithParent('touch', [marker], { PATH: '/usr/bin:/bin' }, undefined, 1);
      const stranger = await run(orphaned.command, [...orphaned.args], { timeoutMs: 10_000 });
      expect(stranger.code).toBe(137);
      expect(existsSync(marker)).toBe(false);
      // The same wrapper for this process, its real parent: the tool runs, with its own argv.
      const ours = dyingWithParent('sh', ['-c', 'touch "$1"; printf "%s" "$0"', 'named', marker], { PATH: '/usr/bin:/bin' }, undefined, process.pid);
      const child = spawn(ours.command, [...ours.args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect({ code, out, ran: existsSync(marker) }).toEqual({ code: 0, out: 'named', ran: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still reports a tool that is not installed as not installed, and runs its own argv', async () => {
    // (A PATH of searchable directories: one the user may not enter makes execvp say EACCES instead.)
    const missing = await run('backup-health-no-such-tool', ['--version'], { timeoutMs: 10_000, env: { PATH: '/usr/bin:/bin' } });
    expect(missing.spawnError?.code).toBe('ENOENT');
    expect(describeFailure(missing, 'backup-health-no-such-tool')).toBe('backup-health-no-such-tool is not installed or not on PATH');
    // The tool gets its own argv, untouched, and the result names the tool (not the wrapper).
    const echoed = await run('sh', ['-c', 'printf "%s|%s" "$0" "$1"', 'sh', 'one two'], { timeoutMs: 10_000 });
    expect(echoed).toMatchObject({ code: 0, stdout: 'sh|one two', command: 'sh -c printf "%s|%s" "$0" "$1" sh one two' });
    // ...down to its argv[0], which tools put before their complaints ("tar: …"): as given, not a path found.
    const self = await run('cat', ['/proc/self/cmdline'], { timeoutMs: 10_000 });
    expect(self.stdout).toBe('cat\u0000/proc/self/cmdline\u0000');
  });
});
