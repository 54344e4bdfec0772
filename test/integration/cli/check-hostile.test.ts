// `check`, `history` and `serve` on booby-trapped dump directories, through the real bin, as cron, Nagios or a
// sysadmin's terminal would see them: FIFOs do not hang anything, a symlink's secret appears nowhere (output,
// JSON, the history file), and names holding a newline and an escape sequence reach the terminal escaped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../../shared/api';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { DASH_NAME, EVIL_NAME, SHELL_NAME } from '../../support/hostile-dump-dir';
import { writePlainDump } from '../../support/plain-dump';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';
import { serve, type Served } from '../../support/serve';

const parent = testParentDir('cli-hostile');
const work = join(parent, 'work');
const data = join(work, 'data');
const SECRET = 'BH-SECRET-4f1d9a7c2e';
const HOUR = 3_600_000;

function dumpDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const fifo = (path: string) => execFileSync('mkfifo', ['--', path]);

function fifoTocArchive(dir: string, name = 'fifo-toc.dump'): void {
  mkdirSync(join(dir, name));
  fifo(join(dir, name, 'toc.dat'));
}

const dumpSource = (id: string, path: string) => `  - id: ${id}\n    kind: dump-dir\n    path: ${JSON.stringify(path)}\n    settle: 0s\n`;

function writeConfig(name: string, sources: string[]): string {
  const file = join(work, name);
  writeFileSync(file, `defaults:\n  timeout: 10s\nsources:\n${sources.join('')}`);
  return file;
}

let config: string;

beforeAll(() => {
  ensureCliBuilt();
  mkdirSync(work, { recursive: true });
  const outside = dumpDir('outside');
  writeFileSync(join(outside, 'restic-password'), `${SECRET}\n`, { mode: 0o600 });

  const evil = dumpDir('evil');
  writePlainDump(evil, 'older.sql', 2 * HOUR);
  writeFileSync(join(evil, EVIL_NAME), 'junk that is no dump\n'); // the newest: its finding names it
  const odd = dumpDir('odd names');
  writePlainDump(odd, DASH_NAME, 2 * HOUR);
  writePlainDump(odd, SHELL_NAME, HOUR);
  const secret = dumpDir('secret');
  symlinkSync(join(outside, 'restic-password'), join(secret, 'secret.dump'));
  const tocFifo = dumpDir('toc-fifo');
  fifoTocArchive(tocFifo);
  const dumpFifo = dumpDir('dump-fifo');
  fifo(join(dumpFifo, 'fifo.dump'));
  config = writeConfig('config.yml', [
    dumpSource('evil-names', evil),
    dumpSource('odd-names', odd),
    dumpSource('secret-link', secret),
    dumpSource('toc-fifo', tocFifo),
    dumpSource('dump-fifo', dumpFifo),
  ]);
});

afterAll(() => removeTestParentDir(parent));

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u; // anything raw but the newlines between lines

function historyFiles(): Buffer[] {
  return readdirSync(data).map((name) => readFileSync(join(data, name)));
}

describe('check and history on hostile dump directories', () => {
  it('check finishes, names each trap, escapes the evil name, and quotes no secret', async () => {
    const result = await runCli(['check', '--config', config, '--data', data]);
    expect(result.code, result.stderr).toBe(2);
    const out = result.stdout;
    expect(out).not.toMatch(CONTROL);
    expect(out).not.toContain(SECRET);
    // One line per source: the newline inside the name did not start a row of its own.
    const rows = out.split('\n').filter((line) => /^(evil-names|odd-names|secret-link|toc-fifo|dump-fifo) /.test(line));
    expect(rows).toHaveLength(5);
    const row = (id: string) => rows.find((line) => line.startsWith(`${id} `))!;
    expect(row('evil-names')).toContain('evil\\n\\x1b[31mname.dump');
    expect(row('evil-names')).toContain('not a pg_dump file');
    expect(row('odd-names')).toMatch(/^odd-names +OK /);
    expect(row('secret-link')).toContain('is a symlink to outside the dump directory; not read');
    expect(row('toc-fifo')).toContain('toc.dat is a FIFO, not a dump file');
    expect(row('dump-fifo')).toContain('is a FIFO, not a dump file');
    expect(existsSync('pwned') || existsSync(join(work, 'odd names', 'pwned'))).toBe(false);
  }, 60_000);

  it('check --json carries the names exactly, escaped as JSON, and no secret', async () => {
    const result = await runCli(['check', '--config', config, '--data', data, '--json']);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u);
    expect(result.stdout).not.toContain(SECRET);
    const parsed = JSON.parse(result.stdout) as { sources: { id: string; newestBackup: { key: string } | null; findings: { message: string }[] }[] };
    const evil = parsed.sources.find((s) => s.id === 'evil-names')!;
    expect(evil.newestBackup!.key).toBe(join(work, 'evil', EVIL_NAME));
  }, 60_000);

  it('history shows the names escaped, and the history file holds no secret', async () => {
    for (const source of ['evil-names', 'secret-link', 'toc-fifo']) {
      const text = await runCli(['history', '--config', config, '--data', data, '--source', source]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).not.toMatch(CONTROL);
      expect(text.stdout).not.toContain(SECRET);
      const json = await runCli(['history', '--config', config, '--data', data, '--source', source, '--json']);
      expect(json.stdout).not.toMatch(CONTROL);
      expect(json.stdout).not.toContain(SECRET);
    }
    const evil = await runCli(['history', '--config', config, '--data', data, '--source', 'evil-names']);
    expect(evil.stdout).toContain(`${join(work, 'evil')}/evil\\n\\x1b[31mname.dump`);
    for (const file of historyFiles()) expect(file.includes(SECRET)).toBe(false);
  }, 60_000);
});

describe('serve with FIFOs in its dump directories', () => {
  let served: Served | undefined;
  afterAll(() => {
    served?.child.kill('SIGKILL');
  });

  it('keeps answering and judging the other sources', async () => {
    const good = dumpDir('good');
    writePlainDump(good, 'nightly.sql', HOUR);
    const traps = Array.from({ length: 5 }, (_, i) => {
      const dir = dumpDir(`trap-${i}`);
      fifoTocArchive(dir);
      fifo(join(dir, 'fifo.dump'));
      return dumpSource(`trap-${i}`, dir);
    });
    const serveConfig = writeConfig('serve.yml', [...traps, dumpSource('good', good)]);
    served = await serve(['--config', serveConfig, '--data', join(work, 'serve-data')]);
    const signIn = await fetch(served.url, { redirect: 'manual' });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const overview = async () => {
      const res = await fetch(`${served!.origin}/api/overview`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      return ((await res.json()) as { value: Overview }).value;
    };
    await expect.poll(async () => (await overview()).sources.every((s) => s.lastPollAt !== null), { timeout: 20_000 }).toBe(true);
    const statuses = Object.fromEntries((await overview()).sources.map((s) => [s.id, s.status]));
    expect(statuses).toEqual({ good: 'ok', 'trap-0': 'critical', 'trap-1': 'critical', 'trap-2': 'critical', 'trap-3': 'critical', 'trap-4': 'critical' });
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  }, 60_000);
});
