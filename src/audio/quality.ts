/**
 * LAME's quality for the MP3 (its `-q`: 0 best and slowest, 9 fastest): how hard it
 * searches for quantisation and noise shaping, at the same 64 kb/s. 5 was chosen by
 * measurement on the sample's narration (README, "MP3 quality"): it encodes with 15% less
 * CPU than LAME's own default (3) and scores as well as 3 on every measure taken; 7 halves
 * the CPU but loses the detail of s, sh and f (4–9.5 kHz) as 48 kb/s does.
 *
 * In a module of its own so the worker threads that encode MP3 segments import it without
 * the option schemas of stages/options.ts (and zod).
 */
export const DEFAULT_MP3_QUALITY = 5;
