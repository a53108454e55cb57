/**
 * How many cases each property tries. The default keeps `npm test` fast (a few seconds
 * for every property together); `npm run fuzz` sets FUZZ_RUNS (for example 20000) to run
 * the same properties for as long as you like. A failure prints fast-check's seed and
 * the shrunk counterexample; FUZZ_SEED replays it.
 */
import type { Parameters } from 'fast-check';

const fuzzRuns = Number(process.env['FUZZ_RUNS'] ?? 0);
const seed = process.env['FUZZ_SEED'];

/** fast-check parameters: `quick` cases normally, FUZZ_RUNS when fuzzing. */
export function runs(quick: number): Parameters<unknown> {
  return { numRuns: fuzzRuns > 0 ? fuzzRuns : quick, ...(seed ? { seed: Number(seed) } : {}) };
}

/** Per-test time limit: generous when fuzzing. */
export const TIMEOUT = fuzzRuns > 0 ? 24 * 3600_000 : 30_000;
