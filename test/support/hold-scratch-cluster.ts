// Child process for the sweep test: starts a scratch cluster, prints its dir and postmaster pid, then waits
// to be killed (the way a drill dies when the app is killed with SIGKILL).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';

const cluster = await ScratchCluster.start({ purpose: 'sweep-test', parentDir: process.argv[2] });
const postmasterPid = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
process.stdout.write(`${JSON.stringify({ dir: cluster.dir, postmasterPid })}\n`);
setInterval(() => {}, 1000);
