// Item 10 / item 4: a pgBackRest backup carries its cluster's own configuration. Here the source's
// postgresql.auto.conf (written into its data directory before `pgbackrest backup`, as an attacker who owns the
// database host would) preloads a library and turns on SSL with an encrypted key whose ssl_passphrase_command
// touches a marker. Started naively from the restored data directory, the postmaster runs the command and
// loads the library; the drill must run its own configuration instead: it passes, and nothing fires.
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { validateConfig, type PgBackRestSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { runPgBackRestDrill } from '../../../electron/engine/sources/pgbackrest/drill';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import { startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { probeContext, sql } from '../../support/postgres-fixtures';
import { clearMarkers, expectNothingFired, hostileLab, markersIn, pidsNow, startBareDataDir } from '../../support/hostile-backups';

const lab = hostileLab('pgbackrest');
let setup: PgBackRestSetup;
let source: PgBackRestSourceConfig;
let backup: ObservedBackup;

/** Written by the data directory's owner, as the real files are (the postmaster refuses a key it cannot own). */
function writeOwned(path: string, text: string, mode = 0o600): void {
  writeFileSync(path, text, { mode });
  const owner = setup.cluster.owner;
  if (owner) chownSync(path, owner.uid, owner.gid);
}

beforeAll(async () => {
  setup = await startPgBackRestCluster(lab.root);
  await sql(setup.cluster, 'CREATE TABLE notes AS SELECT g AS id FROM generate_series(1, 7) g');
  const dataDir = setup.cluster.dataDir;
  const key = join(lab.root, 'server.key');
  const cert = join(lab.root, 'server.crt');
  const made = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-passout', 'pass:hostile-passphrase']);
  if (made.code !== 0) throw new Error(describeFailure(made, 'openssl'));
  writeOwned(join(dataDir, 'server.key'), readFileSync(key, 'utf8'));
  writeOwned(join(dataDir, 'server.crt'), readFileSync(cert, 'utf8'), 0o644);
  // A drill's cluster keeps its own configuration outside the data directory; a real one keeps it inside, and
  // the naive start below needs it there.
  if (!existsSync(join(dataDir, 'postgresql.conf'))) writeOwned(join(dataDir, 'postgresql.conf'), '');
  if (!existsSync(join(dataDir, 'pg_hba.conf'))) writeOwned(join(dataDir, 'pg_hba.conf'), 'local all all trust\n');
  if (!existsSync(join(dataDir, 'pg_ident.conf'))) writeOwned(join(dataDir, 'pg_ident.conf'), '');
  appendFileSync(
    join(dataDir, 'postgresql.auto.conf'),
    [
      "shared_preload_libraries = 'auto_explain'",
      'ssl = on',
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      `ssl_passphrase_command = 'touch ${lab.markers}/ssl-passphrase; echo hostile-passphrase'`,
      '',
    ].join('\n'),
  );
  await setup.backup('full');
  const parsed = validateConfig({ sources: [{ id: 'hostile-pgbackrest', kind: 'pgbackrest', stanza: STANZA, configPath: setup.configPath }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  source = parsed.config.sources[0] as PgBackRestSourceConfig;
  backup = (await pgbackrestProbe.observe(source, probeContext({ timeoutMs: 30_000 }))).backups.at(-1)!;
}, 120_000);

beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  await setup?.stop();
  lab.remove();
});

it('a naive start of the restored data directory runs the passphrase command and preloads the library', async () => {
  const dir = join(lab.root, 'naive');
  const dataDir = join(dir, 'data');
  const owner = setup.cluster.owner;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(dataDir, owner.uid, owner.gid);
  }
  const spool = join(setup.dir, 'spool');
  mkdirSync(spool, { recursive: true });
  if (owner) chownSync(spool, owner.uid, owner.gid);
  // The spool path is one this user may write; the restore_command must not carry it (archive-get refuses it).
  const restoreCommand = `pgbackrest --config=${setup.configPath} --stanza=${STANZA} --pg1-path=${dataDir} archive-get %f "%p"`;
  const restored = await setup.pgbackrest(['restore', `--pg1-path=${dataDir}`, `--spool-path=${spool}`, `--recovery-option=restore_command=${restoreCommand}`, '--type=immediate', '--target-action=promote']);
  expect(restored.code, describeFailure(restored, 'pgbackrest')).toBe(0);
  // Started as whoever owns the source cluster's files (pgbackrest restored them as that user).
  const naive = await startBareDataDir(dir, dataDir, { archive_mode: 'off' }, owner);
  try {
    expect(markersIn(lab)).toEqual(['ssl-passphrase']);
    expect(await sql(naive, 'SHOW shared_preload_libraries')).toBe('auto_explain');
    expect(await sql(naive, 'SHOW ssl')).toBe('on');
  } finally {
    await naive.stop();
  }
});

it('the drill runs its own configuration: it passes and nothing fires', async () => {
  const checks = [
    { name: 'no ssl', sql: "select current_setting('ssl') = 'off'" },
    { name: 'no preloaded auto_explain', sql: "select not exists (select 1 from pg_settings where name like 'auto_explain.%')" },
    { name: 'notes', sql: 'select count(*) = 7 from notes' },
  ];
  const before = pidsNow();
  const drill = await runPgBackRestDrill({ sourceId: 'hostile-pgbackrest', source, backup, checks, parentDir: lab.drills, timeoutMs: 120_000 });
  expectNothingFired(lab, drill, before);
  expect(drill.message).not.toContain('hostile-passphrase');
  expect(drill.outcome, drill.message).toBe('pass');
  expect(drill.checks.map((c) => [c.name, c.passed])).toEqual(checks.map((c) => [c.name, true]));
});
