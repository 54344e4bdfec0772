// removeTree and the start-up sweep, as the sysadmin who runs Backup Health as themselves: a restic or borg
// drill killed half-way leaves a tree restored without write permission, which rm cannot remove for a user
// who is not root. Root removes anything, so on the test machine (root) these run as "nobody" in a child
// process: a bundled script, as in test/integration/probes/dump-dir.test.ts.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, run } from '../../../electron/engine/exec';
import { removeTree } from '../../../electron/engine/drills/remove-tree';

const ENGINE_SOURCE = fileURLToPath(new URL('../../../electron/engine/engine.ts', import.meta.url));
const REMOVE_TREE_SOURCE = fileURLToPath(new URL('../../../electron/engine/drills/remove-tree.ts', import.meta.url));
const NOBODY = { uid: 65534, gid: 65534 };
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const root = mkdtempSync(join(tmpdir(), 'bh-remove-tree-'));
chmodSync(root, 0o755);
/** Everything the unprivileged user owns lives here. */
const home = join(root, 'home');
let script: string;

beforeAll(async () => {
  mkdirSync(home, { mode: 0o755 });
  if (asRoot) chownSync(home, NOBODY.uid, NOBODY.gid);
  script = await bundleScript();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Said {
  started?: boolean;
  swept?: unknown[];
  error?: string;
}

/** Runs the bundled script as nobody (when we are root) or as ourselves; returns what it printed. */
async function asUnprivileged(args: string[], as: 'nobody' | 'me' = 'nobody'): Promise<Said> {
  const result = await run(process.execPath, [script, ...args], { ...(asRoot && as === 'nobody' ? NOBODY : {}), cwd: '/', timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'the script as nobody'));
  return JSON.parse(result.stdout) as { started?: boolean; swept?: unknown[]; error?: string };
}

/** Made as the unprivileged user, so the tree is theirs (as a drill run by them would leave it). */
async function makeTreeAsUnprivileged(parent: string, name: string, as: 'nobody' | 'me' = 'nobody'): Promise<{ tree: string; outside: string }> {
  const made = await asUnprivileged(['make', parent, name], as);
  if (made.error) throw new Error(made.error);
  return { tree: join(parent, name), outside: join(parent, `${name}-outside`) };
}

describe('removeTree', () => {
  it('removes a read-only tree as a user who is not root, and never chmods through a symlink', async () => {
    const { tree, outside } = await makeTreeAsUnprivileged(home, 'killed-drill');
    expect(lstatSync(join(tree, 'restore')).mode & 0o777).toBe(0o555);
    // What the sweep did before: rm -rf as that user fails on it.
    expect((await asUnprivileged(['rm', tree])).error).toMatch(/EACCES/);
    const removed = await asUnprivileged(['remove', tree]);
    expect(removed.error).toBeUndefined();
    expect(existsSync(tree)).toBe(false);
    expect(lstatSync(outside).mode & 0o777).toBe(0o555);
  });

  it('removes the same tree as root (plain rm) and returns for a path that is not there', async () => {
    const { tree } = await makeTreeAsUnprivileged(root, 'as-me', 'me');
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    await removeTree(tree);
  });
});

describe('the start-up sweep as a user who is not root', () => {
  it('removes the read-only tree of a killed restic drill, and Engine.start() does not reject', async () => {
    const drillDir = join(home, 'drills');
    await asUnprivileged(['mkdir', drillDir]);
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    for (const prefix of ['backup-health-restic-', 'backup-health-borg-']) {
      const { tree } = await makeTreeAsUnprivileged(drillDir, `${prefix}killed`);
      await asUnprivileged(['owner', tree, String(dead.pid)]);
    }
    const started = await asUnprivileged(['start', drillDir]);
    expect(started.error).toBeUndefined();
    expect(started.started).toBe(true);
    expect(started.swept).toHaveLength(2);
    // Only the directories the trees linked to are left, untouched.
    expect(readdirSync(drillDir).sort()).toEqual(['backup-health-borg-killed-outside', 'backup-health-restic-killed-outside']);
    for (const name of readdirSync(drillDir)) expect(lstatSync(join(drillDir, name)).mode & 0o777).toBe(0o555);
  });
});

/** One script for every step as nobody: make a tree, write an owner file, remove a tree, start an engine. */
async function bundleScript(): Promise<string> {
  const dir = join(root, 'bundle');
  mkdirSync(dir, { mode: 0o755 });
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from ${JSON.stringify(ENGINE_SOURCE)};
import { removeTree } from ${JSON.stringify(REMOVE_TREE_SOURCE)};

// A killed drill's tree: nested directories without the write bit (one without any permission at all), files in
// them, and a symlink to a read-only directory outside, which must keep its mode (never chmod'ed through).
function readOnlyTree(parent, name) {
  const tree = join(parent, name);
  const deep = join(tree, 'restore', 'srv', 'pg');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'orders.dump'), 'PGDMP');
  mkdirSync(join(tree, 'restore', 'sealed'));
  writeFileSync(join(tree, 'restore', 'sealed', 'secret'), 'x');
  const outside = join(parent, name + '-outside');
  mkdirSync(outside);
  symlinkSync(outside, join(tree, 'restore', 'srv', 'link-out'));
  for (const dir of [outside, deep, join(tree, 'restore', 'srv'), join(tree, 'restore')]) chmodSync(dir, 0o555);
  chmodSync(join(tree, 'restore', 'sealed'), 0o000);
}

const [step, a, b] = process.argv.slice(2);
try {
  if (step === 'make') readOnlyTree(a, b);
  if (step === 'rm') rmSync(a, { recursive: true, force: true });
  if (step === 'mkdir') mkdirSync(a, { mode: 0o755 });
  if (step === 'owner') writeFileSync(join(a, 'owner.json'), JSON.stringify({ pid: Number(b) }));
  if (step === 'remove') await removeTree(a);
  if (step === 'start') {
    // No sources: start() only sweeps, and notes the (empty) policies in force for audit reports.
    const config = { defaults: { drillDir: a, concurrency: 1, drillConcurrency: 1, keepRawPolls: 35 * 86400000 }, sources: [], databases: [] };
    const engine = new Engine({ config, store: { recordPolicies() {} }, compactionDelayMs: 3600000 });
    const swept = await engine.start();
    engine.stop();
    console.log(JSON.stringify({ started: true, swept }));
  } else console.log(JSON.stringify({}));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.stack ?? e) }));
}
`,
  );
  const bundle = join(dir, 'script.mjs');
  // CommonJS dependencies (pg, via the probes) require Node's builtins at run time: give the bundle a require.
  const banner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent', banner: { js: banner }, external: ['better-sqlite3'] });
  chmodSync(bundle, 0o644);
  return bundle;
}
