// Saving the config from the dashboard: through a symlink to its target, with the target's mode, owner and
// group, atomically; a failed or killed write leaves the old file whole.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveConfigText } from '../../../electron/engine/config';
import { configTarget } from '../../../electron/engine/config-write';

const root = mkdtempSync(join(tmpdir(), 'backup-health-config-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const caseDir = () => {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  return dir;
};

const OLD = 'sources:\n  - id: nightly # the old one\n    kind: dump-dir\n    path: /srv/dumps\n';
const NEW = 'sources:\n  - id: nightly # the new one\n    kind: dump-dir\n    path: /srv/dumps\n    maxAge: 3d\n';
const isRoot = process.getuid?.() === 0;
const MODULE = new URL('../../../electron/engine/config-write.ts', import.meta.url).pathname;

/** `writeConfigFile(file, text)` in a child process (so it can be killed or limited), from the repository root. */
function writeInChild(file: string, text: string, wrap: string[] = []) {
  const script = `import { writeConfigFile } from ${JSON.stringify(MODULE)};\ntry { writeConfigFile(${JSON.stringify(file)}, ${JSON.stringify(text)}); console.log('written'); } catch (e) { console.log(e.message); process.exitCode = 1; }`;
  const [cmd, ...args] = [...wrap, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  return spawnSync(cmd!, args, { encoding: 'utf8' });
}

describe('saving the config', () => {
  it('writes through a symlinked config to its target: the link stays a link, the previous version is kept beside the target', () => {
    const dir = caseDir();
    mkdirSync(join(dir, 'repo'));
    const target = join(dir, 'repo', 'backup-health.yml');
    writeFileSync(target, OLD);
    const link = join(dir, 'config.yml');
    symlinkSync('repo/backup-health.yml', link);

    const saved = saveConfigText(link, NEW);
    expect(saved.ok).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('repo/backup-health.yml');
    expect(readFileSync(target, 'utf8')).toBe(NEW);
    expect(readFileSync(`${target}.bak`, 'utf8')).toBe(OLD);
    expect(readdirSync(dir).sort()).toEqual(['config.yml', 'repo']);
    expect(readdirSync(join(dir, 'repo')).sort()).toEqual(['backup-health.yml', 'backup-health.yml.bak']);
  });

  it('follows a chain of links, and creates the target of a link whose file does not exist yet', () => {
    const dir = caseDir();
    symlinkSync('b.yml', join(dir, 'a.yml'));
    symlinkSync('managed/real.yml', join(dir, 'b.yml'));
    expect(configTarget(join(dir, 'a.yml'))).toBe(join(dir, 'managed', 'real.yml'));
    expect(saveConfigText(join(dir, 'a.yml'), NEW).ok).toBe(true);
    expect(lstatSync(join(dir, 'a.yml')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'b.yml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'managed', 'real.yml'), 'utf8')).toBe(NEW);
  });

  it('says so, and changes nothing, when the links go round in a circle', () => {
    const dir = caseDir();
    symlinkSync('b.yml', join(dir, 'a.yml'));
    symlinkSync('a.yml', join(dir, 'b.yml'));
    const saved = saveConfigText(join(dir, 'a.yml'), NEW);
    expect(saved).toEqual({ ok: false, problems: [{ path: '', message: `${join(dir, 'a.yml')}: too many levels of symbolic links; point it at the real config file` }] });
  });

  it.runIf(isRoot)('keeps a 0640 root:daemon file 0640 root:daemon', () => {
    const dir = caseDir();
    const file = join(dir, 'config.yml');
    writeFileSync(file, OLD);
    const daemon = Number(/^daemon:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1]);
    expect(daemon).toBeGreaterThan(0);
    chownSync(file, 0, daemon);
    chmodSync(file, 0o640);

    expect(saveConfigText(file, NEW).ok).toBe(true);
    const stat = statSync(file);
    expect(readFileSync(file, 'utf8')).toBe(NEW);
    expect((stat.mode & 0o7777).toString(8)).toBe('640');
    expect([stat.uid, stat.gid]).toEqual([0, daemon]);
  });

  it('keeps the target\'s owner too, a user other than the one saving', () => {
    const dir = caseDir();
    const file = join(dir, 'config.yml');
    writeFileSync(file, OLD);
    chmodSync(file, 0o604);
    // As root, give it to another user; as that user, the file is already its own.
    const owner = isRoot ? { uid: 1234, gid: 5678 } : { uid: process.getuid!(), gid: process.getgid!() };
    if (isRoot) chownSync(file, owner.uid, owner.gid);

    expect(saveConfigText(file, NEW).ok).toBe(true);
    const stat = statSync(file);
    expect([stat.uid, stat.gid, (stat.mode & 0o7777).toString(8)]).toEqual([owner.uid, owner.gid, '604']);
  });

  it('a new file is private (0600)', () => {
    const file = join(caseDir(), 'new', 'config.yml');
    expect(saveConfigText(file, NEW).ok).toBe(true);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(existsSync(`${file}.bak`)).toBe(false);
  });

  it('refuses to save over something that is not a file, naming it', () => {
    const dir = caseDir();
    mkdirSync(join(dir, 'config.yml'));
    expect(saveConfigText(join(dir, 'config.yml'), NEW)).toEqual({ ok: false, problems: [{ path: '', message: `${join(dir, 'config.yml')} is not a regular file; the config can only be saved to a file` }] });
  });

  it('a write that fails part-way (the file size limit) leaves the old file and no temp file, and says why', () => {
    const dir = caseDir();
    const file = join(dir, 'config.yml');
    writeFileSync(file, OLD);
    // ulimit -f 1: writes past 1 KiB fail with EFBIG (Node ignores SIGXFSZ), after the temp file has 1 KiB in it.
    const big = `${NEW}# ${'x'.repeat(8000)}\n`;
    const child = writeInChild(file, big, ['bash', '-c', 'ulimit -f 1 && exec "$@"', 'bash']);
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe(`cannot save ${file}: the file is larger than this process may write (ulimit -f); the file was not changed`);
    expect(readFileSync(file, 'utf8')).toBe(OLD);
    expect(readdirSync(dir)).toEqual(['config.yml']);
  });

  it.runIf(existsSync('/usr/bin/strace'))('a save killed mid-write leaves the old file whole; the next save sweeps the dead one\'s temp file', () => {
    const dir = caseDir();
    const file = join(dir, 'config.yml');
    writeFileSync(file, OLD);
    // SIGKILL at the first fsync: the temp file is written, nothing is renamed yet.
    const killed = writeInChild(file, NEW, ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=fsync', '-e', 'inject=fsync:signal=KILL:when=1']);
    expect(killed.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(OLD);
    const left = readdirSync(dir).filter((name) => name !== 'config.yml');
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.config\.yml\.\d+\.[0-9a-f]{8}\.tmp$/);

    expect(saveConfigText(file, NEW).ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(NEW);
    expect(readdirSync(dir).sort()).toEqual(['config.yml', 'config.yml.bak']);
  });
});
