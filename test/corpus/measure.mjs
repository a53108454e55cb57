#!/usr/bin/env node
/**
 * Measures lectern on a folder of real saved pages (kept out of git, e.g. /work/corpus/pages):
 *
 *   node test/corpus/measure.mjs <pages-dir> [--labels labels.json] [--verdict N] [--out report.json]
 *
 * For each `*.html`: builds it offline with `--stages epub` (exit code, warnings, time),
 * reads it with the library (headline, authors, language), and computes body word recall
 * against Readability's own extraction of the same page (the share of Readability's words,
 * counted with repeats, that the EPUB's text holds). `labels.json` maps a page's name to its
 * true headline (and optionally `lang`); with it the headline is scored. `--verdict N` runs
 * EPUBCheck and Ace (shared/tools/epub-verdict.sh) on every Nth book built.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';
import JSZip from 'jszip';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/lib/cli/main.js');
const VERDICT = path.resolve(ROOT, '../shared/tools/epub-verdict.sh');
const { readArticle } = await import(path.join(ROOT, 'dist/lib/readers/index.js'));

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  console.error('usage: measure.mjs <pages-dir> [--labels labels.json] [--verdict N] [--out report.json]');
  process.exit(2);
}
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const labels = opt('--labels') ? JSON.parse(readFileSync(opt('--labels'), 'utf8')) : {};
const verdictEvery = Number(opt('--verdict') ?? 0);
const outDir = mkdtempSync(path.join(os.tmpdir(), 'lectern-corpus-'));

const words = (text) => (text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
const norm = (s) => words(s ?? '').join(' ');

/** Share of `reference` words (as a multiset) found in `candidate`. CJK text is compared character by character. */
function recall(reference, candidate) {
  const split = (t) => words(t).flatMap((w) => (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(w) ? [...w] : [w]));
  const have = new Map();
  for (const w of split(candidate)) have.set(w, (have.get(w) ?? 0) + 1);
  const ref = split(reference);
  if (!ref.length) return 1;
  let hit = 0;
  for (const w of ref) {
    const n = have.get(w) ?? 0;
    if (n > 0) {
      hit++;
      have.set(w, n - 1);
    }
  }
  return hit / ref.length;
}

async function epubText(file) {
  const zip = await JSZip.loadAsync(readFileSync(file));
  let text = '';
  for (const name of Object.keys(zip.files).filter((n) => /\.xhtml$/.test(n) && !/nav|cover/.test(n))) {
    const xhtml = await zip.file(name).async('string');
    text += ' ' + xhtml.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&#?\w+;/g, ' ');
  }
  return text;
}

function readabilityText(html) {
  try {
    const { document } = parseHTML(html);
    // The same root-attribute clearing lectern does: without it, Readability throws away
    // the whole document of a page whose <html class> contains "sidebar" and the like, and
    // its "extraction" is the whole page's furniture.
    for (const el of [document.documentElement, document.querySelector('body')])
      for (const name of ['class', 'id', 'role', 'style', 'hidden', 'aria-hidden', 'aria-modal']) el?.removeAttribute(name);
    return new Readability(document).parse()?.textContent ?? '';
  } catch {
    return '';
  }
}

const pages = readdirSync(dir).filter((f) => /\.html?$/.test(f)).sort();
const rows = [];
let built = 0;
for (const [i, page] of pages.entries()) {
  const file = path.join(dir, page);
  const name = page.replace(/\.html?$/, '');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'build', file, '-o', outDir, '-s', 'epub', '--no-cache'], { encoding: 'utf8', timeout: 300_000 });
  const ms = Math.round(performance.now() - t0);
  const row = { name, status: r.status, ms, warnings: (r.stderr.match(/: warning: /g) ?? []).length };
  const err = r.stderr.split('\n').find((l) => / error: /.test(l));
  if (err) row.error = err.replace(file, name);
  if (/bug in lectern|Cannot |is not a function|undefined/.test(r.stderr)) row.internal = true;
  try {
    const { article } = await readArticle(file);
    row.headline = article.headline;
    row.authors = article.byline.authors;
    row.lang = article.lang;
  } catch {}
  const label = labels[name];
  if (label && row.headline !== undefined) {
    const want = typeof label === 'string' ? label : label.headline;
    row.headlineOk = norm(want) === norm(row.headline);
    if (!row.headlineOk) row.expected = want;
    if (typeof label === 'object' && label.lang) row.langOk = row.lang.split('-')[0] === label.lang;
  }
  row.dateAuthor = (row.authors ?? []).some((a) => /\b(?:\d{1,2}:\d{2}|\d{4}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i.test(a) && /\d/.test(a));
  const epub = path.join(outDir, `${name}.epub`);
  if (r.status === 0 && existsSync(epub)) {
    built++;
    const reference = readabilityText(readFileSync(file, 'utf8'));
    row.recall = Math.round(recall(reference, await epubText(epub)) * 1000) / 1000;
    if (verdictEvery && built % verdictEvery === 1 % verdictEvery) {
      const v = spawnSync('bash', [VERDICT, epub], { encoding: 'utf8', timeout: 600_000 });
      const last = (v.stdout + v.stderr).trim().split('\n').find((l) => /^epubcheck:/.test(l)) ?? 'no verdict';
      row.verdict = last;
    }
  }
  rows.push(row);
  process.stderr.write(`${i + 1}/${pages.length} ${name}: ${row.status === 0 ? 'built' : 'FAILED'} ${row.recall ?? ''} ${row.headlineOk === false ? `headline "${row.headline}" != "${row.expected}"` : ''}${row.error ? ` ${row.error}` : ''}\n`);
}

const n = rows.length;
const pct = (k) => `${k}/${n} (${Math.round((k / n) * 100)}%)`;
const recalls = rows.filter((r) => r.recall !== undefined);
const labelled = rows.filter((r) => r.headlineOk !== undefined);
const langs = rows.filter((r) => r.langOk !== undefined);
const summary = {
  pages: n,
  built: pct(rows.filter((r) => r.status === 0).length),
  internalErrors: rows.filter((r) => r.internal).length,
  recallAtLeast099: `${recalls.filter((r) => r.recall >= 0.99).length}/${recalls.length}`,
  recallMedian: recalls.map((r) => r.recall).sort((a, b) => a - b)[Math.floor(recalls.length / 2)],
  headlineRight: labelled.length ? `${labelled.filter((r) => r.headlineOk).length}/${labelled.length}` : 'no labels',
  langRight: langs.length ? `${langs.filter((r) => r.langOk).length}/${langs.length}` : 'no labels',
  authorsThatAreDates: rows.filter((r) => r.dateAuthor).map((r) => `${r.name}: ${r.authors.join('; ')}`),
  verdicts: rows.filter((r) => r.verdict).map((r) => `${r.name}: ${r.verdict}`),
  medianMs: rows.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(n / 2)],
};
if (opt('--out')) writeFileSync(opt('--out'), JSON.stringify({ summary, rows }, null, 2));
console.log(JSON.stringify(summary, null, 2));
