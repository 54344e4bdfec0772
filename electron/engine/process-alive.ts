// Whether a process id names a live process, as far as this user can tell.

/** True while `pid` runs (EPERM: it runs as someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
