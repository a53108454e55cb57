/**
 * SIGINT and SIGTERM from the very start of the process. Imported first by the CLI, before
 * commander or any of lectern loads, so a signal in the first milliseconds ends the command
 * as any other does: one line and exit code 130 (not Node's silent 143). Once a build is
 * running it hands the signal to the build (`onInterrupt`), which stops its work, discards
 * its outputs and reports; a second signal ends the process at once.
 */
let handler: ((signal: NodeJS.Signals) => void) | undefined;
let received = false;

function onSignal(signal: NodeJS.Signals): void {
  if (handler && !received) {
    received = true;
    handler(signal);
    return;
  }
  process.stderr.write(`lectern: interrupted by ${signal}\n`);
  process.exit(130);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/** Lets a running build take the next signal; `undefined` gives it back to the default (exit 130). */
export function onInterrupt(fn: ((signal: NodeJS.Signals) => void) | undefined): void {
  handler = fn;
}
