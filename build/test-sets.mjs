// Which tests run as whom when `npm test` runs as root (as CI does). The people who use Backup Health are not
// root, so build/test-unprivileged.mjs runs UNPRIVILEGED_TESTS as an ordinary user after the main run. Most of
// them also run as root, where drills switch to the backup-health-drill user: that path is a real one too (serve
// on a server started by root). ONLY_AS_USER are those whose root run would prove nothing the user's run does
// not: the same sandbox and the same restricted scratch roles guard both, and the user's run is the stricter one
// (its own files are what a hostile backup would reach). As root the main run leaves them out, which keeps CI
// within its time; every drill kind, the drill-user switch, the interrupted-drill cleanup and the CLI drill still
// run as root. As a normal user, the main run runs everything.
export const UNPRIVILEGED_TESTS = [
  // What a sysadmin's own account runs: every drill kind and its scratch cluster, the engine's drill path and
  // start-up sweep, `backup-health drill`, the dump-directory probe (here, over ssh and in a bucket), base
  // backups and Barman servers as their owner reads them, the history file, and every hostile backup.
  'test/integration/drills',
  'test/integration/engine-drills.test.ts',
  'test/integration/cli/drill.test.ts',
  'test/integration/cli/drill-recovery.test.ts',
  'test/integration/basebackup', // base backups and their WAL archive, here and over ssh
  'test/integration/barman', // Barman servers observed (backups, check, xlog.db), their faults, and over ssh
  'test/integration/alerts/wal-gap-alert.test.ts', // a gap in an archive this user reads reaches the webhook
  'test/integration/probes/dump-dir', // and dump-dir-hostile
  'test/unit/store',
  // Hostile backups must be as harmless to a sysadmin's own account, and dump directories over ssh as safe.
  'test/integration/hostile',
  'test/integration/remote/dump-dir-ssh', // and dump-dir-ssh-hostile
  // Dumps in a bucket, observed and drilled (about 30 s; the CLI test adds 25 s and runs as root).
  'test/integration/object-store/dump-dir-s3.test.ts',
  'test/integration/object-store/dump-dir-s3-drill.test.ts',
];

/** Paths (each within UNPRIVILEGED_TESTS) that a main run as root leaves to the ordinary user's run. */
export const ONLY_AS_USER = [
  'test/integration/hostile',
  'test/integration/barman',
  'test/integration/basebackup',
  'test/integration/drills/barman-drill-compressed.test.ts',
  'test/integration/drills/barman-drill-rsync.test.ts',
  'test/integration/drills/barman-drill-tablespace.test.ts',
  'test/integration/drills/basebackup-drill-bz2-xz.test.ts',
  'test/integration/drills/basebackup-drill-compressed.test.ts',
  'test/integration/drills/drill-judgement.test.ts',
  'test/integration/drills/plain-restrict.test.ts',
  'test/integration/drills/snapshot-tree.test.ts',
  'test/integration/drills/truncated-dump-in-snapshot.test.ts',
  'test/integration/probes/dump-dir',
  'test/integration/remote/dump-dir-ssh',
];

/** vitest exclude globs for ONLY_AS_USER: a directory's tests, a file, or (dump-dir) every file it begins. */
export const onlyAsUserGlobs = () => ONLY_AS_USER.map((path) => (/\.test\.tsx?$/.test(path) ? path : `${path}{,*,/**/*}.test.{ts,tsx}`));
