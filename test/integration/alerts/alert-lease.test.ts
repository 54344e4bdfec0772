// The one-sender lease across real processes on one history file: three other processes and this one ask at the
// same moment, round after round, and exactly one holds it each time; a holder's lease that runs out or is
// released is taken over; a holder killed with SIGKILL (no release, no clean close) is taken over after the TTL.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlertLease, describeLease, leaseHolder, type LeaseState } from '../../../electron/engine/store/alert-lease';
import { History } from '../../../electron/engine/store/history';

const MODULE = new URL('../../../electron/engine/store/alert-lease.ts', import.meta.url).pathname;
const T = Date.UTC(2026, 11, 3, 22, 0);
const TTL = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'bh-alert-lease-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Another process holding the lease module on `file`: reads "acquire <now> <ttl>" or "release" lines, answers
 * each with a JSON line. It opens the file itself, so it also migrates it when it is first.
 */
const CHILD = `
import { createInterface } from 'node:readline';
import { AlertLease, leaseHolder } from ${JSON.stringify(MODULE)};
const [file, program] = process.argv.slice(-2);
const lease = AlertLease.open(file);
const holder = leaseHolder(program);
console.log(JSON.stringify({ ready: true, pid: process.pid, id: holder.id }));
for await (const line of createInterface({ input: process.stdin })) {
  const [command, now, ttl] = line.split(' ');
  try {
    const answer = command === 'acquire' ? lease.tryAcquire(holder, Number(now), Number(ttl)) : { released: lease.release(holder) };
    console.log(JSON.stringify(answer));
  } catch (error) {
    console.log(JSON.stringify({ error: error.message }));
  }
}
`;

interface Child {
  process: ChildProcessWithoutNullStreams;
  pid: number;
  id: string;
  ask(line: string): Promise<Record<string, unknown>>;
}

const children: Child[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
});

async function startChild(file: string, program: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, '--', file, program], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: Interface = createInterface({ input: proc.stdout });
  const waiting: { resolve: (answer: Record<string, unknown>) => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as Record<string, unknown>));
  proc.once('exit', () => {
    for (const { reject } of waiting.splice(0)) reject(new Error(`the child exited: ${stderr}`));
  });
  const next = () => new Promise<Record<string, unknown>>((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = await next();
  const child: Child = {
    process: proc,
    pid: ready.pid as number,
    id: ready.id as string,
    ask(line) {
      const answer = next();
      proc.stdin.write(`${line}\n`);
      return answer;
    },
  };
  children.push(child);
  return child;
}

function newFile(): string {
  const file = join(dir, `history-${++n}.sqlite`);
  History.open(file).close();
  return file;
}

describe('one sender across processes', () => {
  it('four processes asking at once, round after round: exactly one holds the lease each time', async () => {
    const file = newFile();
    const others = await Promise.all(['serve', 'serve', 'check'].map((program) => startChild(file, program)));
    const lease = AlertLease.open(file);
    const me = leaseHolder('the desktop app');
    try {
      const winners: string[] = [];
      for (let round = 0; round < 15; round++) {
        // Each round starts from a free lease, so every process has the same chance.
        const now = T + round * 60_000;
        const answers = others.map((child) => child.ask(`acquire ${now} ${TTL}`));
        const mine = lease.tryAcquire(me, now, TTL);
        const theirs = (await Promise.all(answers)) as LeaseState[];
        const all: [string, LeaseState][] = [[me.id, mine], ...others.map((child, i): [string, LeaseState] => [child.id, theirs[i]!])];
        const held = all.filter(([, state]) => state.held);
        expect(held, JSON.stringify(all)).toHaveLength(1);
        const [winner] = held[0]!;
        winners.push(winner);
        // every loser names the winner
        for (const [, state] of all) if (!state.held) expect(state.holder.id).toBe(winner);
        expect(lease.current()?.holder.id).toBe(winner);
        if (winner === me.id) expect(lease.release(me)).toBe(true);
        else expect(await others.find((c) => c.id === winner)!.ask('release')).toEqual({ released: true });
      }
      expect(winners).toHaveLength(15);
    } finally {
      lease.close();
    }
  });

  it('a holder in another process: this one stays quiet until the lease runs out or is released', async () => {
    const file = newFile();
    const serve = await startChild(file, 'serve');
    const lease = AlertLease.open(file);
    const me = leaseHolder('the desktop app');
    try {
      expect(await serve.ask(`acquire ${T} ${TTL}`)).toEqual({ held: true, since: T, until: T + TTL });
      const quiet = lease.tryAcquire(me, T + 1000, TTL);
      expect(quiet).toMatchObject({ held: false, holder: { id: serve.id, program: 'serve', pid: serve.pid }, until: T + TTL });
      expect(describeLease(quiet, T, 'UTC')).toMatch(new RegExp(`^alerts sent by serve \\(pid ${serve.pid} on .+\\) until 22:00; this one stays quiet$`));
      // renewed by its holder, it stays there
      expect(await serve.ask(`acquire ${T + 20_000} ${TTL}`)).toMatchObject({ held: true, until: T + 20_000 + TTL });
      expect(lease.tryAcquire(me, T + TTL + 1, TTL).held).toBe(false);
      // not renewed: taken over, and the old holder hears it lost it
      expect(lease.tryAcquire(me, T + 20_000 + TTL, TTL)).toMatchObject({ held: true });
      expect(await serve.ask(`acquire ${T + 20_000 + TTL + 1} ${TTL}`)).toMatchObject({ held: false, holder: { id: me.id, pid: process.pid } });
      // released on the way out: the other takes it at once
      expect(lease.release(me)).toBe(true);
      expect(await serve.ask(`acquire ${T + 20_000 + TTL + 2} ${TTL}`)).toMatchObject({ held: true });
    } finally {
      lease.close();
    }
  });

  it('a holder killed with SIGKILL (no release) is taken over once its lease runs out', async () => {
    const file = newFile();
    const serve = await startChild(file, 'serve');
    expect(await serve.ask(`acquire ${T} ${TTL}`)).toMatchObject({ held: true });
    const exited = new Promise((resolve) => serve.process.once('exit', resolve));
    serve.process.kill('SIGKILL');
    await exited;
    const lease = AlertLease.open(file);
    const me = leaseHolder('serve');
    try {
      // its row is still there: dead or just slow cannot be told apart from here, so the TTL decides
      expect(lease.tryAcquire(me, T + TTL - 1, TTL)).toMatchObject({ held: false, holder: { id: serve.id, pid: serve.pid } });
      expect(lease.tryAcquire(me, T + TTL, TTL)).toEqual({ held: true, since: T + TTL, until: T + 2 * TTL });
    } finally {
      lease.close();
    }
  });
});
