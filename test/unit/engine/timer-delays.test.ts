// No wait in the app overflows Node's timers. A setTimeout, setInterval, AbortSignal.timeout or timers/promises
// sleep holds at most 2^31-1 ms (24.8 days) and fires after 1 ms beyond that, so every one of them must wait a
// fixed time written in the code; a wait that comes from a setting (interval, timeout, drill.every, ...) goes
// through electron/engine/long-timeout.ts. The few that take a parameter are listed here, each with why it is
// bounded. Read with the TypeScript parser, so a new timer anywhere under electron/ is seen.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../../..');

/** file: delay expression -> why it can never exceed 24.8 days. */
const BOUNDED_PARAMETERS: Record<string, string> = {
  'electron/engine/long-timeout.ts: step': 'the one chained timer: each step is at most MAX_TIMER_DELAY_MS',
  'electron/engine/compaction-schedule.ts: delayMs': 'compaction: a minute after start (or a test option), then COMPACTION_EVERY_MS, a day',
  'electron/engine/engine.ts: maxWaitMs': 'shutdown: callers pass DRILL_CLEANUP_WAIT_MS or the 30 s default',
  'electron/server/event-stream.ts: this.heartbeatMs': 'HEARTBEAT_MS, or a test option',
  'electron/server/server.ts: graceMs': 'CLOSE_GRACE_MS, or what serve passes on shutdown',
  'electron/main/notifier.ts: this.roundMs': 'two seconds, or a test option',
  'electron/engine/alerts/alert-service.ts: this.options.quietMs ?? ROUND_QUIET_MS': 'two seconds, or a test option',
  'electron/engine/alerts/alert-service.ts: this.options.maxMs ?? ROUND_MAX_MS': 'thirty seconds, or a test option',
  'electron/engine/alerts/retry.ts: ms': 'RETRY_DELAYS (at most two minutes), or a test clock',
  'electron/engine/alerts/senders/email.ts: channel.timeout': "a channel's timeout: DURATION_RANGES.alertTimeout, at most 10 minutes",
  'electron/engine/alerts/senders/http-post.ts: options.timeoutMs': "a channel's timeout: DURATION_RANGES.alertTimeout, at most 10 minutes",
  'electron/server/metrics-listener.ts: graceMs': 'CLOSE_GRACE_MS, or what serve passes on shutdown',
};

const TIMER_CALLS = new Set(['setTimeout', 'setInterval', 'sleep', 'AbortSignal.timeout']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A delay written in the code: 20, 2 * 60_000, KILL_GRACE_MS, Math.max(0, SOME_CONSTANT). */
function isFixed(node: ts.Expression): boolean {
  if (ts.isNumericLiteral(node)) return true;
  if (ts.isIdentifier(node)) return /^[A-Z][A-Z0-9_]*$/.test(node.text);
  if (ts.isParenthesizedExpression(node)) return isFixed(node.expression);
  if (ts.isBinaryExpression(node)) return isFixed(node.left) && isFixed(node.right);
  return false;
}

interface TimerCall {
  at: string;
  key: string;
  fixed: boolean;
}

function timerCalls(file: string): TimerCall[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const calls: TimerCall[] = [];
  const rel = relative(ROOT, file);
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && TIMER_CALLS.has(node.expression.getText(source))) {
      const name = node.expression.getText(source);
      const delay = name === 'AbortSignal.timeout' || name === 'sleep' ? node.arguments[0] : node.arguments[1];
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      calls.push({ at: `${rel}:${line} ${name}`, key: `${rel}: ${delay?.getText(source) ?? '(none)'}`, fixed: delay !== undefined && isFixed(delay) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

describe('timers under electron/', () => {
  const calls = sourceFiles(join(ROOT, 'electron')).flatMap(timerCalls);

  it('are found at all (the scan sees the timers it guards)', () => {
    expect(calls.filter((c) => c.fixed).length).toBeGreaterThan(5);
    expect(calls.some((c) => c.key === 'electron/engine/long-timeout.ts: step')).toBe(true);
  });

  it('wait a fixed time, or a parameter listed with why it is bounded; settings go through longTimeout', () => {
    const unbounded = calls.filter((c) => !c.fixed && !(c.key in BOUNDED_PARAMETERS)).map((c) => `${c.at}: delay ${c.key.split(': ').slice(1).join(': ')}`);
    expect(unbounded).toEqual([]);
  });

  it('list no parameter that is gone (the list stays true)', () => {
    const keys = new Set(calls.map((c) => c.key));
    expect(Object.keys(BOUNDED_PARAMETERS).filter((key) => !keys.has(key))).toEqual([]);
  });
});
