// Whose fault it is when a physical backup's tar stream does not unpack: the drill's own disk full or its own
// decompressor missing is an error (the drill could not judge the backup), saying what to fix; a cut or foreign
// stream fails the drill. tar's words are as GNU tar 1.34 wrote them unpacking into a full tmpfs (a short write,
// then ENOSPC on write and on open) and with zstd missing from PATH.
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../electron/engine/exec';
import { unpackFailure } from '../../../electron/engine/drills/physical-unpack';

const result = (fields: Partial<RunResult>): RunResult => ({ command: 'tar', code: 0, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, truncated: false, durationMs: 10, ...fields });
const context = { what: 'copying /srv/base/20261204T0100', command: 'tar', drillDir: '/var/tmp/drills' };
/** The sending tar, stopped by the closed pipe once tar here gave up. */
const stoppedSender = result({ code: null, signal: 'SIGPIPE' });

describe('unpackFailure', () => {
  it('calls a full drill directory an error and says to free space in drillDir, whatever tar said first', () => {
    for (const stderr of [
      'tar: ./d/f84: Wrote only 512 of 10240 bytes\ntar: ./d/f170: Cannot write: No space left on device\ntar: Exiting with failure status due to previous errors\n',
      'tar: ./base/5/16390: Cannot write: No space left on device\ntar: Exiting with failure status due to previous errors\n',
      'tar: ./d/f127: Cannot open: No space left on device\ntar: Exiting with failure status due to previous errors\n',
    ]) {
      const stop = unpackFailure({ remote: stoppedSender, local: result({ code: 2, stderr }) }, context);
      expect(stop?.outcome).toBe('error');
      expect(stop?.message).toMatch(/^copying \/srv\/base\/20261204T0100 failed: the drill directory's disk is full \(tar: \.\/(d|base)\/\S+: (Wrote only|Cannot (write|open))[^)]*\): free space in drillDir \(\/var\/tmp\/drills\)/);
    }
  });

  it('calls a missing decompressor here an error and says what to install', () => {
    const stderr = 'tar (grandchild): zstd: Cannot exec: No such file or directory\ntar (grandchild): Error is not recoverable: exiting now\ntar: Child died with signal 13\ntar: Error is not recoverable: exiting now\n';
    const stop = unpackFailure({ remote: stoppedSender, local: result({ code: 2, stderr }) }, { ...context, what: 'unpacking base.tar.zst' });
    expect(stop?.outcome).toBe('error');
    expect(stop?.message).toMatch(/^unpacking base\.tar\.zst failed: a tool the drill runs here is missing .*zstd: Cannot exec.*: install it/);
  });

  it('fails the drill when the stream itself is bad (cut short, or the sender failed)', () => {
    const cut = unpackFailure({ remote: result({ code: 0 }), local: result({ code: 2, stderr: 'tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n' }) }, context);
    expect(cut?.outcome).toBe('fail');
    expect(cut?.message).toMatch(/^copying \/srv\/base\/20261204T0100 failed: unpacking the output of tar here failed: Unexpected EOF in archive/);
    const gone = unpackFailure({ remote: result({ code: 2, stderr: 'tar: /srv/base/20261204T0100: Cannot open: No such file or directory\n' }), local: result({ code: 0 }) }, context);
    expect(gone?.outcome).toBe('fail');
  });

  it('a file named like a full disk is not taken for one: only whole lines count', () => {
    const stderr = "tar: ./No space left on device: Cannot open: Permission denied\ntar: Exiting with failure status due to previous errors\n";
    expect(unpackFailure({ remote: stoppedSender, local: result({ code: 2, stderr }) }, context)?.outcome).toBe('fail');
  });

  it('is null when both ends succeeded', () => {
    expect(unpackFailure({ remote: result({ code: 0 }), local: result({ code: 0 }) }, context)).toBeNull();
  });
});
