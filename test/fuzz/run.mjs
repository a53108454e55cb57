#!/usr/bin/env node
/**
 * `npm run fuzz [-- <cases>]`: runs the property tests in test/fuzz for many more cases than
 * `npm test` does (default 20000 each; FUZZ_RUNS or the argument sets it), then sums up.
 * A failure shows fast-check's seed and shrunk counterexample; `FUZZ_SEED=<seed>` replays it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cases = process.argv[2] ?? process.env['FUZZ_RUNS'] ?? '20000';
if (!/^[1-9]\d*$/.test(cases)) {
  console.error(`fuzz: expected a number of cases, got "${cases}"`);
  process.exit(2);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'lectern-fuzz-'));
const report = path.join(dir, 'report.json');
const t0 = performance.now();
const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/fuzz', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: cases },
});
let summary = 'no report';
try {
  const { numTotalTests, numFailedTests, numPassedTests } = JSON.parse(readFileSync(report, 'utf8'));
  summary = `${numTotalTests} properties × ${cases} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${numPassedTests} passed, ${numFailedTests} failures`;
} catch {
  // vitest could not run: its own output says why.
}
rmSync(dir, { recursive: true, force: true });
console.log(`fuzz: ${summary}`);
process.exit(r.status ?? 1);
