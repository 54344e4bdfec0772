// The last step of npm test: the drill, dump-dir and store tests again as an ordinary user when run as root.
// Its real run is npm test itself; this checks that it is wired in, runs what exists, and stands aside
// when the suite already runs unprivileged.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';

const root = process.cwd();
const script = join(root, 'build/test-unprivileged.mjs');
const isRoot = process.getuid?.() === 0;

describe('build/test-unprivileged.mjs', () => {
  it('npm test ends with it, after the main vitest run', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/&& node build\/test-main\.mjs && node build\/test-unprivileged\.mjs$/);
  });

  it('what a root run leaves to it is within what it runs, and every drill kind still drills as root too', async () => {
    const { ONLY_AS_USER, UNPRIVILEGED_TESTS, onlyAsUserGlobs } = await import('../../build/test-sets.mjs');
    for (const path of ONLY_AS_USER) expect(UNPRIVILEGED_TESTS.some((run) => path.startsWith(run)), path).toBe(true);
    const testFiles = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' }).map((f) => `test/${f}`).filter((f) => /\.test\.tsx?$/.test(f));
    const left = testFiles.filter((file) => onlyAsUserGlobs().some((glob) => matchesGlob(file, glob)));
    for (const path of ONLY_AS_USER) expect(left.filter((f) => f.startsWith(path)), path).not.toEqual([]);
    // The root run keeps one drill of every kind, the drill-user switch and the cleanup of an interrupted drill.
    for (const kept of ['dump-drill', 'restic-drill', 'borg-drill', 'pgbackrest-drill', 'basebackup-drill', 'barman-drill', 'drill-interrupted', 'scratch-cluster']) {
      const file = `test/integration/drills/${kept}.test.ts`;
      expect(testFiles, file).toContain(file);
      expect(left, file).not.toContain(file);
    }
  });

  it('runs the drill, dump-dir and store tests: each of its filters matches test files', () => {
    const listed = spawnSync(process.execPath, [script, '--list'], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    const paths = listed.stdout.trim().split('\n');
    expect(paths).toEqual(expect.arrayContaining(['test/integration/drills', 'test/integration/probes/dump-dir', 'test/unit/store', 'test/integration/hostile']));
    // vitest takes each as a filter: the test files whose path contains it.
    const testFiles = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' }).map((f) => `test/${f}`).filter((f) => /\.test\.tsx?$/.test(f));
    for (const path of paths) expect(testFiles.filter((f) => f.includes(path)), path).not.toEqual([]);
  });

  it('as a normal user it says it is skipped and succeeds: the main run already was unprivileged', () => {
    // As root, try it as nobody, on a copy nobody can read wherever the checkout is.
    let copy = script;
    if (isRoot) {
      const dir = mkdtempSync(join(tmpdir(), 'backup-health-test-unprivileged-'));
      chmodSync(dir, 0o755);
      copy = join(dir, 'test-unprivileged.mjs');
      copyFileSync(script, copy);
      chmodSync(copy, 0o644);
      copyFileSync(join(root, 'build/test-sets.mjs'), join(dir, 'test-sets.mjs'));
      chmodSync(join(dir, 'test-sets.mjs'), 0o644);
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    }
    const result = spawnSync(process.execPath, [copy], { encoding: 'utf8', cwd: '/', ...(isRoot ? { uid: 65534, gid: 65534 } : {}) });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^test-unprivileged: skipped, not root/);
  });
});
