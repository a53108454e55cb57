// Tests run real builds (eSpeak NG, sharp, EPUBCheck): on a busy machine (CI runners, two
// cores shared by many jobs) a build that takes 2 s alone can take 10 s or more, and
// vitest's default 5 s limit then fails tests that are not broken. Tests that need longer
// still say so themselves.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
