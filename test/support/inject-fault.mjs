// Loaded into the real CLI with `node --import` by the drill interruption tests, to make the one fault no real
// part makes on demand: on SIGUSR2, an uncaught exception (INJECT_FAULT=throw) or an unhandled rejection
// (INJECT_FAULT=reject) in the middle of whatever the process is doing.
process.on('SIGUSR2', () => {
  if (process.env.INJECT_FAULT === 'reject') void Promise.reject(new Error('injected rejection (test)'));
  else
    setImmediate(() => {
      throw new Error('injected fault (test)');
    });
});
