// A backup host whose ssh logins find none of the tools (here: a PATH naming nothing, set by sshd for every
// session): each kind says which tool is missing there, instead of a bare "exit 127".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type SourceConfig } from '../../../shared/config';
import { probeFor } from '../../../electron/engine/sources';
import { ProbeError } from '../../../electron/engine/errors';
import { probeContext } from '../../support/postgres-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

let sshd: TestSshd;
let root: string;

beforeAll(async () => {
  sshd = await startSshd({ setEnv: { PATH: '/nonexistent' } });
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-tools-missing-'));
  writeFileSync(join(root, 'pass'), 'secret\n', { mode: 0o600 });
});

afterAll(async () => {
  await sshd?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function observeError(fields: Record<string, unknown>): Promise<ProbeError> {
  const parsed = validateConfig({ sources: [{ id: 'on-backup1', host: sshd.host, sshOptions: sshd.sshOptions, ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const source = parsed.config.sources[0] as SourceConfig;
  const err = await probeFor(source).observe(source, probeContext()).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

describe('a backup host without the tools', () => {
  it.each([
    ['restic', { kind: 'restic', repo: '/srv/restic', passwordFile: 'PASS' }, /^restic is not installed on root@127\.0\.0\.1/],
    ['borg', { kind: 'borg', repo: '/srv/borg' }, /^borg is not installed on root@127\.0\.0\.1/],
    ['pgbackrest', { kind: 'pgbackrest', stanza: 'main' }, /^pgbackrest is not installed on root@127\.0\.0\.1/],
    ['dump-dir', { kind: 'dump-dir', path: '/srv/dumps' }, /^the ssh login on root@127\.0\.0\.1 cannot run the tools a remote dump-dir needs \(sh, GNU find, coreutils, awk\): .*sh: command not found; check PATH there$/],
  ])('%s says so', async (_kind, fields, message) => {
    const withPass = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === 'PASS' ? join(root, 'pass') : v]));
    const err = await observeError(withPass);
    expect(err.message).toMatch(message);
    expect(err.host).toBe(sshd.host);
  });
});
