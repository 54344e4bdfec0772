// The last step of `npm test`. The people who use Backup Health are not root, but CI runs as root, where
// every file is readable, every directory removable and drills switch users; so, as root, this runs the
// drill, dump-dir and store tests as an ordinary user, from a copy of the checkout that user owns
// (build/test-sets.mjs says which, and which of them the root run leaves to this one).
// As a normal user the main vitest run already took the unprivileged path, and this only says so.
//
// `node build/test-unprivileged.mjs [test paths...]` runs the given paths instead of the default set;
// `--list` prints the default set.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UNPRIVILEGED_TESTS as DEFAULT_TESTS } from './test-sets.mjs';

const USER = 'bh-tester';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.argv[2] === '--list') {
  console.log(DEFAULT_TESTS.join('\n'));
  process.exit(0);
}
if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.log('test-unprivileged: skipped, not root (the main test run already ran as an unprivileged user)');
  process.exit(0);
}

const started = Date.now();
const { uid, gid } = ensureUser(USER);
// The user's own TMPDIR, so nothing it does meets the root run's leftovers in /tmp. As short as can be:
// tests put a scratch cluster, and so PostgreSQL's unix socket, up to three directories deep in TMPDIR,
// and a socket path must fit in 107 bytes (the longest test's is 99 + the length of TMPDIR).
const work = shortPrivateDir();
let code = 1;
try {
  const checkout = join(work, 'c');
  copyCheckout(checkout, uid, gid);
  mkdirSync(join(work, 'h'));
  // The user owns its copy (vitest writes its cache into node_modules/.vite, the CLI is rebuilt into out/);
  // -h: the links themselves, never what they point to.
  execFileSync('chown', ['-R', '-h', `${uid}:${gid}`, work]);
  chmodSync(work, 0o700);
  const copied = Date.now();
  console.log(`test-unprivileged: checkout copied to ${checkout} for ${USER} in ${((copied - started) / 1000).toFixed(1)}s`);

  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: join(work, 'h'),
    TMPDIR: work,
    USER,
    LOGNAME: USER,
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...(process.env.CI ? { CI: process.env.CI } : {}),
    ...(process.env.TERM ? { TERM: process.env.TERM } : {}),
    ...(process.env.NO_COLOR ? { NO_COLOR: process.env.NO_COLOR } : {}),
  };
  const asUser = (args) => run(process.execPath, args, { cwd: checkout, env, uid, gid });
  // A fresh CLI bundle for the CLI tests: out/ may be older than the sources it was copied with.
  code = await asUser(['build/build-cli.mjs']);
  if (code === 0) {
    const tests = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_TESTS;
    console.log(`test-unprivileged: as ${USER} (uid ${uid}): vitest run ${tests.join(' ')}`);
    code = await asUser(['node_modules/vitest/vitest.mjs', 'run', ...tests]);
  }
  console.log(`test-unprivileged: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
} finally {
  // As root: also removes whatever a failing test left read-only.
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);

/** /tmp/bh0, /tmp/bh1, …: the first free one, made here (mkdir fails on anything already there, links too). */
function shortPrivateDir() {
  for (let n = 0; ; n++) {
    try {
      mkdirSync(`/tmp/bh${n}`, { mode: 0o700 });
      return `/tmp/bh${n}`;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
}

/**
 * The ordinary user the tests run as: a system account without a password, but with a shell and a home of its
 * own like a sysadmin's account, since the remote dump-dir and Barman tests log in to it over the test's sshd
 * (which accepts only its own key). Its home is its own, not the conventional /nonexistent: a root process
 * with HOME=/nonexistent (a tool's cache) can make that directory, root's and unreadable, and then every ssh
 * login of this user complains about it ("Could not chdir to home directory", bash's own .bashrc errors) and
 * fails Barman's "ssh output clean" check. Created once; an older one is given the shell and the home.
 */
function ensureUser(name) {
  const home = `/var/lib/${name}`;
  const lookup = () => {
    try {
      const [, , uid, gid, , dir, shell] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
      return { uid: Number(uid), gid: Number(gid), dir, shell };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (!found) execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', home, '--shell', '/bin/bash', name]);
  else if (found.shell !== '/bin/bash' || found.dir !== home) execFileSync('usermod', ['--shell', '/bin/bash', '--home', home, name]);
  const user = lookup();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  execFileSync('chown', [`${user.uid}:${user.gid}`, home]);
  chmodSync(home, 0o700);
  return user;
}

/**
 * The files git knows (tracked, and new ones not ignored, so work in progress is tested as it stands) and the
 * installed node_modules; no out/, no dist/, no scratch trees other runs left.
 */
function copyCheckout(to, uid, gid) {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate'], { cwd: root, encoding: 'utf8' });
  const deleted = new Set(execFileSync('git', ['ls-files', '-z', '--deleted'], { cwd: root, encoding: 'utf8' }).split('\0'));
  for (const file of listed.split('\0')) {
    // node_modules is linked below; a node_modules symlink is not covered by .gitignore's node_modules/.
    if (!file || deleted.has(file) || file === 'node_modules') continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(root, file), join(to, file), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  const modules = join(root, 'node_modules');
  if (canRead(join(modules, 'vitest', 'package.json'), uid, gid)) {
    // Each package linked, not copied (copying and removing 600 packages costs ~20s): packages resolve their
    // own dependencies from where they really are. Only the caches vite and vitest write are the user's own.
    mkdirSync(join(to, 'node_modules'));
    for (const entry of readdirSync(modules)) {
      if (!entry.startsWith('.vite')) symlinkSync(join(modules, entry), join(to, 'node_modules', entry));
    }
  } else {
    // The checkout sits where the user cannot look (under /root, say): a real copy, blocks shared if possible.
    execFileSync('cp', ['-a', '--reflink=auto', modules, join(to, 'node_modules')]);
  }
}

function canRead(path, uid, gid) {
  try {
    execFileSync(process.execPath, ['-e', 'require("node:fs").accessSync(process.argv[1], require("node:fs").constants.R_OK)', path], { uid, gid, cwd: '/', stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: 'inherit' });
    // Ctrl-C reaches the child through the terminal; a TERM from CI is passed on. Either way this process
    // waits for the child, then removes the copy.
    const forward = () => child.kill('SIGTERM');
    const ignore = () => {};
    process.on('SIGTERM', forward);
    process.on('SIGINT', ignore);
    child.once('error', (err) => {
      console.error(`test-unprivileged: ${err.message}`);
      resolve(1);
    });
    child.once('close', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
