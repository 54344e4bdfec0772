// A wrong restic password or borg passphrase, as `check` reports it: the fix names the source's passwordFile and
// what the tool reads it as, never ~/.pgpass (which is PostgreSQL's, and which a restic or borg source ignores).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { borgJob } from '../../support/borg-fixtures';
import { restic } from '../../support/restic-fixtures';

const root = mkdtempSync(join(tmpdir(), 'backup-health-check-passwords-'));
const resticRepo = join(root, 'restic-repo');
const borgRepo = join(root, 'borg-repo');
const wrong = join(root, 'wrong-password');

beforeAll(async () => {
  ensureCliBuilt();
  const right = join(root, 'right-password');
  writeFileSync(right, 'correct horse battery staple\n', { mode: 0o600 });
  writeFileSync(wrong, 'hunter2\n', { mode: 0o600 });
  mkdirSync(join(root, 'restic-cache'));
  await restic({ passwordFile: right, cacheDir: join(root, 'restic-cache') }, resticRepo, ['init']);
  mkdirSync(join(root, 'borg-base'));
  await borgJob(join(root, 'borg-base'), 'correct horse battery staple').borg(['init', '--encryption=repokey', borgRepo]);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check with a wrong repository password', () => {
  it('restic and borg: the finding names passwordFile and RESTIC_PASSWORD / BORG_PASSPHRASE, never ~/.pgpass', async () => {
    const config = join(root, 'config.yml');
    writeFileSync(
      config,
      `sources:\n  - id: files-restic\n    kind: restic\n    repo: ${resticRepo}\n    passwordFile: ${wrong}\n  - id: files-borg\n    kind: borg\n    repo: ${borgRepo}\n    passwordFile: ${wrong}\n`,
    );
    const result = await runCli(['check', '--json', '--config', config, '--data', join(root, 'data')], { HOME: root });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as { sources: { id: string; findings: { rule: string; message: string }[] }[] };
    const finding = (id: string) => report.sources.find((s) => s.id === id)!.findings.find((f) => f.rule === 'probe-error')!.message;
    expect(finding('files-restic')).toBe(
      `could not observe ${resticRepo}: wrong password for restic repository ${resticRepo}: check passwordFile/passwordEnv (passwordFile ${wrong}); it must hold the password the repository was made with, what restic reads from RESTIC_PASSWORD`,
    );
    expect(finding('files-borg')).toContain(`the passphrase from passwordFile ${wrong} does not open the borg repository ${borgRepo}; it must hold the repository's passphrase, what borg reads from BORG_PASSPHRASE`);
    expect(result.stdout).not.toContain('pgpass');
    expect(result.stdout).not.toContain('hunter2');
  });
});
