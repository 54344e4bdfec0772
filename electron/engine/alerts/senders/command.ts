// A command channel: the program and its arguments run without a shell (exec.ts), the alert document as JSON
// on its stdin; exit 0 is delivered, anything else fails with the first line of its stderr.
import type { ChannelOf } from '../../../../shared/alerts-config';
import { describeFailure, run } from '../../exec';
import { programName } from '../channel-failure';
import { alertDocument } from '../compose';
import type { Sender } from '../types';
import type { SenderDeps } from './deps';

export function commandSender(channel: ChannelOf<'command'>, deps: SenderDeps): Sender {
  const [program, ...args] = channel.command as [string, ...string[]];
  const name = programName(program);
  return {
    target: name,
    async send(alert, signal) {
      const result = await run(program, args, {
        input: `${JSON.stringify(alertDocument(alert, channel.id))}\n`,
        timeoutMs: channel.timeout,
        signal,
        env: deps.env,
        maxOutputBytes: 64 * 1024,
      });
      const durationMs = Math.round(result.durationMs);
      if (result.code === 0 && !result.timedOut && !result.aborted) return { ok: true, replyCode: 0, retryable: false, durationMs };
      if (result.spawnError || result.timedOut || result.aborted || result.code === null) {
        return { ok: false, error: describeFailure(result, name), retryable: !result.aborted && !result.spawnError, durationMs };
      }
      const firstLine = result.stderr.split('\n').map((l) => l.trim()).find(Boolean)?.slice(0, 300);
      return {
        ok: false,
        replyCode: result.code,
        ...(firstLine ? { reply: firstLine } : {}),
        error: `${name} exited with code ${result.code}${firstLine ? `: ${firstLine}` : ''}`,
        retryable: true,
        durationMs,
      };
    },
  };
}
