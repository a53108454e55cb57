/**
 * SIGINT and SIGTERM from the very start of the process. Imported first by the CLI, before
 * commander or any of lectern loads, so a signal in the first milliseconds ends the command
 * as any other does: one line and exit code 130 (not Node's silent 143). A command that
 * handles signals itself (a build stopping its stages and discarding its outputs, `preview`,
 * `voices add`) adds its own listener; while one is there, this one stands aside. A second
 * signal, once a command's one-time listener has gone, ends the process here at once. A
 * signal after the command has finished ends the process with the command's own exit code.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  // The command has finished (its exit code is set) and the process is only winding down
  // (threads stopping): its outputs are written and reported, so its result stands.
  if (typeof process.exitCode === 'number') process.exit(process.exitCode);
  process.stderr.write(`lectern: interrupted by ${signal}\n`);
  process.exit(130);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
