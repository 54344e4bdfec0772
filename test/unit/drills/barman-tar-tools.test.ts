// A compressed Barman backup (backup_compression gzip, lz4, zstd) on a machine without the decompressor: tar, run
// here with each compression's options as a drill runs it (TAR_DECOMPRESS) and a PATH without the tool, says it
// cannot start it, and the drill calls that an error of its own machine naming the tool to install — not a
// failed backup.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../electron/engine/exec';
import { unpackFailure } from '../../../electron/engine/drills/physical-unpack';
import { TAR_DECOMPRESS } from '../../../electron/engine/drills/tar-run';

const dest = mkdtempSync(join(tmpdir(), 'barman-tar-tools-'));
afterAll(() => rmSync(dest, { recursive: true, force: true }));

const result = (fields: Partial<RunResult>): RunResult => ({ command: 'tar', code: 0, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, truncated: false, durationMs: 10, ...fields });

describe('a decompressor missing here', () => {
  it.each([
    ['gzip', 'gz', 'gzip'],
    ['lz4', 'lz4', 'lz4'],
    ['zstd', 'zst', 'zstd'],
  ] as const)('%s: an error naming the tool to install', (compression, ext, tool) => {
    const tar = spawnSync('/usr/bin/tar', ['-xf', '-', '-C', dest, ...TAR_DECOMPRESS[compression]], { input: Buffer.alloc(1024), env: { PATH: join(dest, 'no-tools-here') }, encoding: 'utf8' });
    expect(tar.status).not.toBe(0);
    const stop = unpackFailure({ remote: result({ code: 0 }), local: result({ code: tar.status, stderr: tar.stderr }) }, { what: `unpacking base.tar.${ext}`, command: 'cat', drillDir: '/var/tmp/drills' });
    expect(stop?.outcome).toBe('error');
    expect(stop?.message).toMatch(new RegExp(`^unpacking base\\.tar\\.${ext} failed: a tool the drill runs here is missing \\(tar: ${tool}( -d)?: Cannot exec: No such file or directory\\): install it \\(${tool}\\) on this machine: tar runs it to decompress the backup's files$`));
  });
});
