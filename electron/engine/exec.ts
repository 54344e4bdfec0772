// The one way the engine runs an external tool: an argument array (never a shell string), a timeout,
// a kill on abort (of the whole process group), and stdout/stderr captured up to a cap.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { dyingWithParent } from './parent-death';
import { longTimeout } from './long-timeout';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the tool after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to the tool's stdin, which is then closed. */
  input?: string | Buffer;
  /**
   * Streamed into the tool's stdin instead of `input`, for inputs too big to hold in memory (a plain SQL dump
   * into psql). If the stream fails, the tool is killed, since it must never take a cut input for a whole one,
   * and `inputError` says why. The stream is destroyed when the tool exits.
   */
  stdinStream?: Readable;
  /** Characters kept of stdout and of stderr each (default 4 Mi); the rest is dropped, and `truncated` says so. */
  maxOutputBytes?: number;
  /** Run as this user (only possible as root). */
  uid?: number;
  gid?: number;
  /** Called with each chunk of stderr as it arrives, for progress. */
  onStderr?: (chunk: string) => void;
  onStdout?: (chunk: string) => void;
  /**
   * Stdout goes, as bytes, into this stream (a file, another tool's stdin) instead of being captured: for
   * outputs too big to hold (an archive streamed over ssh). `stdout` is then ''. The stream is ended when the
   * tool's output ends; a failing stream kills the tool and sets `outputError`.
   */
  stdoutTo?: Writable;
  /** With `stdoutTo`: called with each chunk's size as it arrives, for progress. */
  onStdoutBytes?: (bytes: number) => void;
  /**
   * The tool's stdin is a pipe, handed to this callback as soon as the tool runs and never written here: it is
   * meant to become another tool's stdout (`stdoutInto`), so bytes go from tool to tool through the kernel.
   */
  stdinPipe?: (stdin: Writable) => void;
  /** The tool's stdout is this pipe (another tool's `stdinPipe`), shared, not read here; `stdout` is then ''. */
  stdoutInto?: Writable;
  /** Called with the tool's process once it is spawned (its pid, for progress read from /proc). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface RunResult {
  command: string;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  truncated: boolean;
  /** Set when the tool could not be started at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
  /** Set when `stdinStream` failed (the tool was then killed). */
  inputError?: Error;
  /** Set when `stdoutTo` failed (the tool was then killed). */
  outputError?: Error;
  durationMs: number;
}

const KILL_GRACE_MS = 2000;

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { timeoutMs = 60_000, maxOutputBytes = 4 * 1024 * 1024 } = options;
  const started = performance.now();
  return new Promise((resolve) => {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined && options.stdinStream === undefined && options.stdinPipe === undefined ? 'ignore' : 'pipe', options.stdoutInto ?? 'pipe', 'pipe'],
      // Own process group, so a timeout kills the tool's children too (pg_restore -j, ssh, ...).
      detached: process.platform !== 'win32',
      uid: options.uid,
      gid: options.gid,
    };
    // Killed with us, whatever kills us (parent-death.ts): a tool never outlives the drill or check that ran it.
    const spawned = dyingWithParent(command, args, spawnOptions.env!, options.cwd);
    const child = spawn(spawned.command, spawned.args, spawnOptions);
    options.onSpawn?.(child);
    if (options.stdinPipe && child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE once the tool has exited
      options.stdinPipe(child.stdin);
    }
    const out = new CappedText(maxOutputBytes);
    const err = new CappedText(maxOutputBytes);
    let timedOut = false;
    let aborted = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let inputError: Error | undefined;
    let outputError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const kill = () => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = longTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const stdoutTo = options.stdoutTo;
    if (stdoutTo && child.stdout) {
      stdoutTo.on('error', (e) => {
        outputError ??= e;
        kill();
      });
      if (options.onStdoutBytes) child.stdout.on('data', (chunk: Buffer) => options.onStdoutBytes!(chunk.length));
      child.stdout.pipe(stdoutTo);
    } else {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out.push(chunk);
        options.onStdout?.(chunk);
      });
    }
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err.push(chunk);
      options.onStderr?.(chunk);
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // the tool may exit before reading everything
      child.stdin.end(options.input);
    }
    const stdinStream = options.stdinStream;
    if (stdinStream && child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE when the tool exits before reading everything
      stdinStream.on('error', (e) => {
        inputError ??= e;
        kill();
      });
      stdinStream.pipe(child.stdin);
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      timer.clear();
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (stdinStream && !stdinStream.destroyed) {
        stdinStream.unpipe();
        stdinStream.destroy();
      }
      resolve({
        command: [command, ...args].join(' '),
        code,
        signal,
        stdout: out.text(),
        stderr: err.text(),
        timedOut,
        aborted,
        truncated: out.truncated || err.truncated,
        spawnError,
        ...(inputError ? { inputError } : {}),
        ...(outputError ? { outputError } : {}),
        durationMs: performance.now() - started,
      });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // already gone
  }
}

class CappedText {
  private parts: string[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: string): void {
    if (this.bytes >= this.cap) {
      this.truncated = true;
      return;
    }
    const room = this.cap - this.bytes;
    const piece = chunk.length > room ? chunk.slice(0, room) : chunk;
    if (piece.length < chunk.length) this.truncated = true;
    this.parts.push(piece);
    this.bytes += piece.length;
  }
  text(): string {
    return this.parts.join('');
  }
}

/** A one-line reason a run failed, for messages: "pg_restore exited with code 1: <last stderr line>". */
export function describeFailure(result: RunResult, name = result.command.split(' ')[0]): string {
  if (result.spawnError) {
    return result.spawnError.code === 'ENOENT' ? `${name} is not installed or not on PATH` : `${name} could not start: ${result.spawnError.message}`;
  }
  if (result.inputError) return `${name} was stopped because its input failed: ${result.inputError.message}`;
  if (result.outputError) return `${name} was stopped because its output could not be written: ${result.outputError.message}`;
  if (result.timedOut) return `${name} timed out after ${Math.round(result.durationMs / 1000)}s`;
  if (result.aborted) return `${name} was cancelled`;
  const lastLine = result.stderr.trim().split('\n').filter(Boolean).at(-1);
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
  return lastLine ? `${name} ${how}: ${lastLine}` : `${name} ${how}`;
}
