import type { ExplainedNormaliser } from './index.js';
import { universalClean } from './clean.js';
const plain: ExplainedNormaliser = { normalise: universalClean, explain: (text) => ({ text: universalClean(text), changes: [] }) };
export const frenchFor = (_lang: string): ExplainedNormaliser => plain;
export const germanFor = frenchFor;
export const spanishFor = frenchFor;
