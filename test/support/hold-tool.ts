// Child process for the parent-death test: runs one tool through exec.run (the way every probe and drill step
// starts one), prints the tool's pid, then waits to be killed with it still running.
import { run } from '../../electron/engine/exec';

const [command, ...args] = process.argv.slice(2);
void run(command!, args, { timeoutMs: 600_000, onSpawn: (child) => process.stdout.write(`${JSON.stringify({ pid: child.pid })}\n`) });
setInterval(() => {}, 1000);
