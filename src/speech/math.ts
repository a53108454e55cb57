/**
 * Equations in words. An equation's `alt` is what the narration says and what the book's
 * `alttext` holds; when the source gave none, it is derived here from the MathML by Speech
 * Rule Engine (the MathML-to-speech engine of MathJax and ChromeVox), in the article's
 * language when SRE knows it, with ClearSpeak rules.
 *
 * SRE costs about 0.4 s to load and 0.2 s to set up a language, so it is imported only
 * when an article has an equation without words. It reads its rule files from its own
 * package folder: nothing is fetched. It keeps its settings in module state; the calls
 * here are serialised so two articles in other languages never interleave.
 */
import type { Diagnostics } from '../article/diagnostics.js';
import type { Article, Block, Inline, MathInline, SubList } from '../article/model.js';

/** Languages Speech Rule Engine has rules for. */
const SRE_LOCALES = new Set(['en', 'de', 'es', 'fr', 'hi', 'it', 'ca', 'da', 'nb', 'nn', 'sv', 'ko', 'af']);

interface Sre {
  setupEngine(options: Record<string, string>): Promise<void>;
  engineReady(): Promise<void>;
  toSpeech(mathml: string): string;
}

let sre: Promise<Sre> | undefined;
let queue: Promise<unknown> = Promise.resolve();
let current: string | undefined;

async function loadSre(): Promise<Sre> {
  // The package ships no types for its main entry: typed here by what lectern calls.
  const name = 'speech-rule-engine';
  const mod = (await import(name)) as Sre & { default?: Sre };
  return mod.default ?? mod;
}

/** Runs `fn` after every earlier description has finished (SRE's settings are global). */
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

function mapInlines(inlines: Inline[], f: (m: MathInline) => MathInline): Inline[] {
  return inlines.map((n) => (n.type === 'math' ? f(n) : n.type === 'text' ? n : { ...n, children: mapInlines(n.children, f) }));
}

function mapBlock(b: Block, f: (m: MathInline) => MathInline): Block {
  const m = (x: Inline[]) => mapInlines(x, f);
  const sub = (s: SubList): SubList => ({ ...s, items: s.items.map(m), ...(s.sublists ? { sublists: s.sublists.map(sub) } : {}) });
  switch (b.type) {
    case 'paragraph':
    case 'heading':
    case 'pullquote':
      return { ...b, children: m(b.children) };
    case 'figure':
      return { ...b, caption: m(b.caption) };
    case 'blockquote':
      return { ...b, paragraphs: b.paragraphs.map(m) };
    case 'list':
      return { ...b, items: b.items.map(m), ...(b.sublists ? { sublists: b.sublists.map(sub) } : {}) };
    case 'table':
      return { ...b, ...(b.caption ? { caption: m(b.caption) } : {}), rows: b.rows.map((r) => r.map((c) => ({ ...c, children: m(c.children) }))) };
    default:
      return b;
  }
}

/**
 * Gives every equation without words its words, derived from its MathML. Articles with
 * none are returned as they are, without loading anything. An equation SRE cannot read
 * keeps its TeX (or nothing) as words, with one warning.
 */
export async function describeMath(article: Article, diagnostics: Diagnostics): Promise<Article> {
  const missing: MathInline[] = [];
  for (const b of article.blocks) mapBlock(b, (x) => (x.alt === undefined && missing.push(x), x));
  if (!missing.length) return article;
  const primary = article.lang.toLowerCase().split('-')[0]!;
  const locale = SRE_LOCALES.has(primary) ? primary : 'en';
  if (locale !== primary) diagnostics.warn(`equations are described in English: Speech Rule Engine has no rules for "${article.lang}"`, 'math:language');
  const words = await serial(async () => {
    sre ??= loadSre();
    const engine = await sre;
    if (current !== locale) {
      await engine.setupEngine({ locale, domain: 'clearspeak', modality: 'speech', markup: 'none' });
      await engine.engineReady();
      current = locale;
    }
    const said = new Map<string, string | undefined>();
    for (const x of missing) {
      if (said.has(x.mathml)) continue;
      try {
        said.set(x.mathml, engine.toSpeech(x.mathml).replace(/\s+/g, ' ').trim() || undefined);
      } catch {
        said.set(x.mathml, undefined);
      }
    }
    return said;
  });
  let failed = 0;
  const blocks = article.blocks.map((b) =>
    mapBlock(b, (x) => {
      if (x.alt !== undefined) return x;
      const alt = words.get(x.mathml);
      if (alt === undefined) {
        failed++;
        return x;
      }
      return { ...x, alt, altSource: 'derived' };
    }),
  );
  if (failed) diagnostics.warn(`could not put ${failed} equation${failed > 1 ? 's' : ''} into words; ${failed > 1 ? 'they are' : 'it is'} read as ${missing.some((x) => x.tex) ? 'TeX' : 'nothing'}`, 'math:speech');
  return { ...article, blocks };
}
