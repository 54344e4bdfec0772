// The versions a drill records of the tools it ran (drills/tool-versions.ts): what each tool's version output is
// shortened to, the key of a tool that ran on another host, one ask per binary (again when the file changes),
// and a tool that cannot say left out, never an error, never kept as an answer.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { forgetToolVersions, recordToolVersions, toolKey, toolVersion, versionFromOutput, withToolVersions } from '../../../electron/engine/drills/tool-versions';

const dir = mkdtempSync(join(tmpdir(), 'backup-health-tool-versions-'));
const savedPath = process.env.PATH;
process.env.PATH = `${dir}${delimiter}${savedPath ?? ''}`;
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => forgetToolVersions());

/** A tool in `dir` that counts its runs in <name>.runs and answers `script` (sh). */
function fakeTool(name: string, script: string): { runs: () => number } {
  const runs = join(dir, `${name}.runs`);
  writeFileSync(runs, '');
  writeFileSync(join(dir, name), `#!/bin/sh\necho run >> '${runs}'\n${script}\n`);
  chmodSync(join(dir, name), 0o755);
  return { runs: () => readFileSync(runs, 'utf8').split('\n').filter(Boolean).length };
}

describe('version output', () => {
  it.each([
    ['restic 0.14.0 compiled with go1.19.8 on linux/amd64\n', 'restic 0.14.0'],
    ['borg 1.2.4\n', 'borg 1.2.4'],
    ['pgBackRest 2.45\n', 'pgBackRest 2.45'],
    ['3.4.0 Barman by EnterpriseDB (www.enterprisedb.com)\n', '3.4.0 Barman'],
    ['tar (GNU tar) 1.34\nCopyright (C) 2021 Free Software Foundation, Inc.\n', 'tar (GNU tar) 1.34'],
    ['*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***\n', 'Zstandard CLI (64-bit) v1.5.4'],
    ['*** LZ4 command line interface 64-bits v1.9.4, by Yann Collet ***\n', 'LZ4 command line interface 64-bits v1.9.4'],
    ['\n  gzip 1.12  \r\nCopyright (C) 2018 Free Software Foundation, Inc.\n', 'gzip 1.12'],
  ])('%j says %j', (output, expected) => {
    expect(versionFromOutput(output)).toBe(expected);
  });

  it('is nothing when the first line names no version, or is no version line at all', () => {
    expect(versionFromOutput('')).toBeNull();
    expect(versionFromOutput('\n\n')).toBeNull();
    expect(versionFromOutput('Usage: restic [command]\n')).toBeNull();
    expect(versionFromOutput(`tool 1.2 ${'x'.repeat(200)}`)).toBeNull();
  });
});

describe('keys', () => {
  it('names a tool here by its name, and one that ran over ssh by name@host without the login', () => {
    expect(toolKey('restic')).toBe('restic');
    expect(toolKey('restic', { host: 'db1.example' })).toBe('restic@db1.example');
    expect(toolKey('restic', { host: 'backup@db1.example', sshOptions: ['Port=2222'] })).toBe('restic@db1.example');
  });
});

describe('asking a tool', () => {
  it('asks a binary once while it is the same file, and again once it is replaced', async () => {
    const tool = fakeTool('bh-fake-borg', 'echo "borg 1.2.4"');
    expect(await toolVersion('bh-fake-borg')).toBe('borg 1.2.4');
    expect(await Promise.all([toolVersion('bh-fake-borg'), toolVersion('bh-fake-borg')])).toEqual(['borg 1.2.4', 'borg 1.2.4']);
    expect(tool.runs()).toBe(1);
    // A package upgrade writes a new file: a new version, asked anew.
    writeFileSync(join(dir, 'bh-fake-borg'), `#!/bin/sh\necho run >> '${join(dir, 'bh-fake-borg.runs')}'\necho "borg 1.4.0 (upgraded)"\n`);
    expect(await toolVersion('bh-fake-borg')).toBe('borg 1.4.0 (upgraded)');
    expect(tool.runs()).toBe(2);
  });

  it('asks restic and pgbackrest with their version subcommand, the rest with --version', async () => {
    fakeTool('restic', 'test "$1" = version && echo "restic 0.16.4 compiled with go1.21.6 on linux/amd64" || exit 1');
    fakeTool('bh-fake-tar', 'test "$1" = --version && echo "tar (GNU tar) 1.35" || exit 1');
    expect(await toolVersion('restic')).toBe('restic 0.16.4');
    expect(await toolVersion('bh-fake-tar')).toBe('tar (GNU tar) 1.35');
  });

  it('leaves out a tool that fails, is missing or cannot be reached, and asks a failed one again next time', async () => {
    const failing = fakeTool('bh-fake-failing', 'echo "bh-fake-failing 1.0"; exit 2');
    const provenance = { tools: { psql: '15.18' } as Record<string, string> };
    await recordToolVersions(provenance, [
      { name: 'bh-fake-failing' },
      { name: 'bh-no-such-tool' },
      { name: 'restic', command: join(dir, 'missing', 'restic') },
      // ssh refuses the host before connecting anywhere: a reach failure, as an unreachable host is.
      { name: 'borg', where: { host: '-oProxyCommand=false' } },
    ]);
    expect(provenance.tools).toEqual({ psql: '15.18' });
    expect(await toolVersion('bh-fake-failing')).toBeNull();
    expect(failing.runs()).toBe(2);
  });

  it('records every tool it could ask under its key, and does so whatever the steps end in', async () => {
    fakeTool('bh-fake-pgbackrest', 'echo "pgBackRest 2.45"');
    const frame = { evidence: { provenance: { tools: {} as Record<string, string> } }, signal: new AbortController().signal };
    const failed = withToolVersions(frame, [{ name: 'bh-fake-pgbackrest' }, { name: 'bh-no-such-tool' }], () => Promise.reject(new Error('the restore failed')));
    await expect(failed).rejects.toThrow('the restore failed');
    expect(frame.evidence.provenance.tools).toEqual({ 'bh-fake-pgbackrest': 'pgBackRest 2.45' });
  });
});
