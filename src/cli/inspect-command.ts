import { errors, LecternError } from '../article/diagnostics.js';
import type { Registry } from '../plugins/registry.js';
import { plainText, type Article, type Block } from '../article/model.js';
import { readArticle, type InputFormat } from '../readers/index.js';
import { formatDiagnostics, formatFailure } from './print.js';

export interface InspectFlags {
  from?: InputFormat;
  maxInputBytes?: number;
  json: boolean;
  speech: boolean;
  /** With `speech`: each token the normaliser changed, the rule that fired and what it said. */
  explain?: boolean;
  engine: string;
  lexicon: string[];
  readPullquotes: boolean;
}

export async function runInspect(file: string, flags: InspectFlags, registry: Registry): Promise<number> {
  if (flags.from && !registry.reader(flags.from)) {
    process.stderr.write(`lectern: ${errors.unknownFormat(file, flags.from, registry.formats).message}\n`);
    return 2;
  }
  let read;
  try {
    read = await readArticle(file, { from: flags.from, registry, ...(flags.maxInputBytes ? { maxInputBytes: flags.maxInputBytes } : {}) });
  } catch (e) {
    if (!(e instanceof LecternError)) throw e;
    process.stderr.write(formatFailure(file, e) + '\n');
    return 1;
  }
  process.stderr.write(formatDiagnostics(read.diagnostics.list));
  if (flags.speech) return printSpeech(read.article, flags, registry);
  process.stdout.write(flags.json ? JSON.stringify(read.article, null, 2) + '\n' : outline(read.article, file, read.format));
  return 0;
}

async function printSpeech(article: Article, flags: InspectFlags, registry: Registry): Promise<number> {
  const { speechScript } = await import('../speech/script.js');
  const { loadLexicons, EMPTY_LEXICON } = await import('../speech/lexicon.js');
  const { universal } = await import('../speech/normalise/index.js');
  const { scriptText } = await import('../stages/speech.js');
  try {
    const lexicon = flags.lexicon.length ? await loadLexicons(flags.lexicon) : EMPTY_LEXICON;
    const engine = await registry.loadEngine(flags.engine);
    const phonemes = engine.capabilities.phonemeAlphabet && engine.wrapPhoneme ? { alphabet: engine.capabilities.phonemeAlphabet, wrap: engine.wrapPhoneme } : undefined;
    await registry.loadNormalisers([article.lang]);
    const script = speechScript(article, { lexicon, phonemes, readPullquotes: flags.readPullquotes, normaliserFor: (lang) => registry.normaliserFor(lang, universal) });
    if (flags.explain) {
      // The normaliser the script used; one from a plugin may not say why (then no changes are listed).
      const entry = registry.normaliser(article.lang);
      const explained = script.map((u) => ({ u, changes: entry?.explain?.(u.text, article.lang).changes ?? [] }));
      process.stdout.write(flags.json ? JSON.stringify(explained.map(({ u, changes }) => ({ id: u.id, text: u.text, speech: u.speech, changes: changes.map(({ from, to, rule, class: cls }) => ({ from, to, rule, class: cls })) })), null, 2) + '\n' : explainText(explained));
      return 0;
    }
    process.stdout.write(flags.json ? JSON.stringify(script.map(({ id, kind, text, speech, pauseAfterMs, chapter }) => ({ id, kind, text, speech, pauseAfterMs, ...(chapter ? { chapter } : {}) })), null, 2) + '\n' : scriptText(script));
    return 0;
  } catch (e) {
    if (!(e instanceof LecternError)) throw e;
    process.stderr.write(`lectern: ${e.toString()}\n`);
    return e.code.startsWith('usage:') ? 2 : 1;
  }
}

/** The script, each utterance followed by the tokens the normaliser changed: `  "6.42am" -> "six forty two a.m."  time:12h (TIME)`. */
function explainText(explained: { u: { id: string; speech: string }; changes: readonly { from: string; to: string; rule: string; class: string }[] }[]): string {
  const lines: string[] = [];
  for (const { u, changes } of explained) {
    lines.push(`${u.id}: ${u.speech}`);
    for (const c of changes) lines.push(`  ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}  ${c.rule} (${c.class})`);
  }
  return lines.join('\n') + '\n';
}

const clip = (s: string, n = 72) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

function blockSummary(b: Block): string {
  switch (b.type) {
    case 'paragraph':
    case 'heading':
      return plainText(b.children);
    case 'pullquote':
      return `“${plainText(b.children)}”${b.attribution ? ` — ${b.attribution}` : ''}`;
    case 'figure':
      return `${b.image ?? '(no image)'} | alt${b.altSource === 'derived' ? ' (derived)' : ''}: ${b.alt === '' ? '(decorative)' : (b.alt ?? '')} | ${plainText(b.caption)}${b.credit ? ` © ${b.credit}` : ''}`;
    case 'blockquote':
      return b.paragraphs.map(plainText).join(' / ');
    case 'list':
      return `${b.items.length} items: ${b.items.map(plainText).join('; ')}`;
    case 'code':
      return `${b.language ?? 'code'}, ${b.value.split('\n').length} lines: ${b.value.replace(/\s+/g, ' ')}`;
    case 'table':
      return `${b.rows.length} rows${b.caption ? `: ${plainText(b.caption)}` : ''}`;
    case 'separator':
      return '---';
  }
}

export function outline(a: Article, file: string, format: string): string {
  const lines: string[] = [];
  const field = (k: string, v: string | undefined) => v && lines.push(`  ${k.padEnd(11)}${v}`);
  lines.push(`${file} (${format}, ${a.lang}, ${a.dir})`);
  field('kicker', a.kicker);
  field('headline', a.headline);
  field('standfirst', a.standfirst);
  field('byline', [a.byline.authors.join(', '), a.byline.location && `in ${a.byline.location}`, a.byline.dateline, a.byline.published].filter(Boolean).join(' · '));
  field('publisher', a.source.publisher);
  field('rights', a.source.rights);
  field('url', a.source.url);
  const counts = new Map<string, number>();
  a.blocks.forEach((b) => counts.set(b.type, (counts.get(b.type) ?? 0) + 1));
  lines.push(`  blocks     ${a.blocks.length}: ${[...counts].map(([t, n]) => `${n} ${t}`).join(', ')}`);
  for (const b of a.blocks) {
    lines.push(`  ${String(b.position?.line ?? '').padStart(4)}  ${b.type.padEnd(10)} ${b.id.padEnd(14)} ${clip(blockSummary(b))}`);
  }
  return lines.join('\n') + '\n';
}
