// exec's stdinStream: a big input streamed into a tool, and a failing input that must kill the tool
// rather than let it see a clean end of file (psql would then run a cut dump's last statements).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeFailure, run } from '../../../electron/engine/exec';

describe('run() with stdinStream', () => {
  it('streams the whole input to the tool', async () => {
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 'x'));
    const result = await run('wc', ['-c'], { stdinStream: Readable.from(chunks), timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(String(64 * 64 * 1024));
    expect(result.inputError).toBeUndefined();
  });

  it('kills the tool when the input fails, and says why', async () => {
    const input = new Readable({ read() {} });
    input.push('SELECT 1;\n');
    setTimeout(() => input.destroy(new Error('unexpected end of file')), 50);
    // cat would wait for more input forever; it must be killed, not handed an end of file.
    const result = await run('cat', [], { stdinStream: input, timeoutMs: 10_000 });
    expect(result.inputError?.message).toBe('unexpected end of file');
    expect(result.signal).toBe('SIGTERM');
    expect(result.timedOut).toBe(false);
    expect(describeFailure(result, 'psql')).toBe('psql was stopped because its input failed: unexpected end of file');
  });

  it('stops reading the input when the tool exits early', async () => {
    let reads = 0;
    const endless = new Readable({
      read() {
        reads++;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const result = await run('head', ['-c', '10'], { stdinStream: endless, timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(endless.destroyed).toBe(true);
    const readsAtExit = reads;
    await new Promise((r) => setTimeout(r, 50));
    expect(reads).toBe(readsAtExit);
  });
});
