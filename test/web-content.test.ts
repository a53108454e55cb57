/**
 * What web pages carry beyond paragraphs, through the CLI as a user runs it: code blocks,
 * tables, equations (MathJax 2 and 3, KaTeX, MediaWiki, MathML in a script, TeX only),
 * nested lists, `srcset` and images in links. Each fixture page under
 * test/fixtures/web-content was written for these tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { largestCandidate, parseSrcset } from '../src/readers/html-content.js';
import { cleanMathml } from '../src/article/mathml.js';
import { lectern, ROOT, tmpDir } from './helpers.js';
import { ace, epubcheck, hasAce, hasEpubcheck } from './validators.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/web-content');
const EPOCH = { SOURCE_DATE_EPOCH: '1700000000' };

interface Built {
  status: number | null;
  stderr: string;
  xhtml: string;
  opf: string;
  css: string;
  smil?: string;
  speech: string;
  epub: string;
}

/** Builds a fixture with the CLI; the EPUB's article, package and stylesheet, and the speech script. */
async function build(name: string, stages = 'epub,speech'): Promise<Built> {
  const out = tmpDir();
  const r = lectern(['build', path.join(FIXTURES, name), '-o', out, '--stages', stages, '--no-cache'], { env: EPOCH });
  const base = name.replace(/\.\w+$/, '');
  const epub = path.join(out, `${base}.epub`);
  const zip = await JSZip.loadAsync(readFileSync(epub));
  const text = (f: string) => zip.file(`OEBPS/${f}`)?.async('string');
  return {
    status: r.status,
    stderr: r.stderr,
    xhtml: (await text('article.xhtml'))!,
    opf: (await text('content.opf'))!,
    css: (await text('style.css'))!,
    smil: await text('article.smil'),
    speech: stages.includes('speech') ? readFileSync(path.join(out, `${base}.speech.txt`), 'utf8') : '',
    epub,
  };
}

/** The speech script as JSON, through `inspect --speech --json`. */
function script(name: string): { id: string; kind: string; text: string; speech: string }[] {
  const r = lectern(['inspect', '--speech', '--json', path.join(FIXTURES, name)]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** EPUBCheck 0/0, and Ace 0 (run once per kind of markup: it takes half a minute). */
function validate(epub: string, withAce = true): void {
  if (hasEpubcheck) {
    const r = epubcheck(epub);
    expect(r.messages).toEqual([]);
    expect(r.errors + r.warnings).toBe(0);
  }
  if (withAce && hasAce) expect(ace(epub).violations).toEqual([]);
}

describe('code blocks', () => {
  it('are kept verbatim in a monospace <pre><code>, announced in the narration, not spelled out', async () => {
    const b = await build('code.html');
    expect(b.status, b.stderr).toBe(0);
    expect(b.xhtml).toContain(
      '<code class="language-python">def count_errors(path):\n    total = 0\n    with open(path, encoding="utf-8") as log:\n        for line in log:\n            if "ERROR" in line:\n                total += 1   # one more &lt;error&gt;\n    return total</code></pre>',
    );
    // <br> inside <pre> is a line break.
    expect(b.xhtml).toMatch(/<pre id="code-[0-9a-f]{8}"><code>grep -c ERROR app.log\nwc -l app.log<\/code><\/pre>/);
    expect(b.css).toMatch(/pre \{ font-family: monospace/);
    const lines = b.speech.split('\n');
    expect(lines).toContain('Code block, 7 lines.');
    expect(lines).toContain('Code block, 2 lines.');
    expect(b.speech).not.toMatch(/count_errors|grep|ERROR/);
    validate(b.epub);
  }, 300_000);
});

describe('tables', () => {
  it('are real tables with a caption and scoped header cells, read row by row with their headers', async () => {
    const b = await build('table.html');
    expect(b.status, b.stderr).toBe(0);
    expect(b.xhtml).toMatch(/<table id="(table-[0-9a-f]{8})"><caption id="\1-caption">Population of the four largest EU countries<\/caption><thead><tr><th scope="col">Country<\/th><th scope="col">Population<\/th><th scope="col">Capital<\/th><\/tr><\/thead><tbody><tr id="\1-r1"><td>Germany<\/td>/);
    expect(b.xhtml).toContain('<th scope="col" colspan="2">Share of EU population</th>');
    expect(b.xhtml).toContain('<th scope="row">West</th><td>Germany, 19%</td>');
    // The empty corner cell heads nothing.
    expect(b.xhtml).toContain('<thead><tr><td></td>');
    const said = script('table.html');
    const texts = said.map((u) => u.text);
    expect(texts).toContain('Table: Population of the four largest EU countries. 4 rows.');
    expect(texts).toContain('Row 2: Country, France; Population, 68 million; Capital, Paris.');
    expect(texts).toContain('Row 1: West; Share of EU population, Germany, 19%; Share of EU population, France, 15%.');
    // What the engine gets: the same, with numbers as the normaliser says them.
    expect(said.find((u) => u.text.startsWith('Row 2: Country, France'))!.speech).toMatch(/^Row (?:2|two): Country, France; Population, [\w -]+ million; Capital, Paris\.$/);
    expect(b.stderr).not.toMatch(/warning/);
    validate(b.epub);
  }, 300_000);
});

describe('equations', () => {
  it('keep their MathML with alt text in the book and are spoken through Speech Rule Engine', async () => {
    const b = await build('math.html');
    expect(b.status, b.stderr).toBe(0);
    const maths = [...b.xhtml.matchAll(/<math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML" alttext="([^"]*)"( display="block")?>/g)].map((m) => [m[1], !!m[2]]);
    expect(maths).toEqual([
      ['a is not equal to 0', false],
      ['a x squared plus b x plus c equals 0', false],
      ['x equals the fraction with numerator negative b plus or minus the square root of b squared minus 4 a c and denominator 2 a period', true],
      ['b equals 2', false],
      ['c is less than 1', false],
      ['b squared minus 4 a c', false],
      ['y equals 3', false],
    ]);
    // The manifest says the document holds MathML; the metadata says so too.
    expect(b.opf).toMatch(/<item id="article" href="article\.xhtml" media-type="application\/xhtml\+xml" properties="mathml"/);
    expect(b.opf).toContain('<meta property="schema:accessibilityFeature">MathML</meta>');
    // The glyphs, previews, fallback images and TeX sources beside the MathML are not repeated.
    expect(b.xhtml).not.toMatch(/mjx-|MathJax[-_]|katex-|wikimedia|\{\\displaystyle|annotation|semantics/);
    expect(b.xhtml).not.toContain('y=3');
    const texts = script('math.html').map((u) => u.text);
    expect(texts).toContain('When a is not equal to 0, there are two solutions to a x squared plus b x plus c equals 0 and they are');
    expect(texts).toContain('An encyclopaedia writes the discriminant as b squared minus 4 a c, and a notebook with KaTeX as y equals 3.');
    expect(b.speech).toMatch(/there are two solutions to a x squared plus b x plus c equals (?:0|zero)/);
    // A TeX-only equation and content MathML keep their words, with a warning each.
    expect(b.xhtml).toContain('like z^2, which');
    expect(b.stderr).toContain('warning: kept 1 equation as TeX source: the page has no MathML for it');
    expect(b.stderr).toMatch(/math\.html:\d+:\d+: warning: kept an equation as plain text \("n 1"\): it has no presentation MathML/);
    validate(b.epub);
  }, 300_000);

  it('keep the sentences with equations in step between the book and the narration', async () => {
    const b = await build('math.html', 'epub,narration,audio,read-aloud');
    expect(b.status, b.stderr).toBe(0);
    const fragments = [...b.smil!.matchAll(/<text src="article\.xhtml#([^"]+)"\/>/g)].map((m) => m[1]!);
    const ids = [...b.xhtml.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!);
    for (const f of fragments) expect(ids, f).toContain(f);
    // Every sentence span of the body is read.
    const spans = [...b.xhtml.matchAll(/<span id="(p-[0-9a-f]{8}-s\d+)">/g)].map((m) => m[1]!);
    expect(spans.length).toBeGreaterThan(5);
    for (const s of spans) expect(fragments, s).toContain(s);
    const display = /<span id="([^"]+)"><math[^>]*display="block"/.exec(b.xhtml)![1]!;
    expect(fragments).toContain(display);
    validate(b.epub, false);
  }, 300_000);

  it('are cleaned to presentation MathML, whatever the source held', () => {
    const c = cleanMathml('<m:math display="block" onclick="x()"><m:semantics><m:mrow><m:mi href="javascript:1" mathcolor="red">x</m:mi><script>bad()</script><m:mo>+</m:mo><m:mn>1</m:mn></m:mrow><m:annotation encoding="application/x-tex">x+1</m:annotation></m:semantics></m:math>')!;
    expect(c).toEqual({ mathml: '<math><mrow><mi>x</mi><mtext>bad()</mtext><mo>+</mo><mn>1</mn></mrow></math>', tex: 'x+1', display: true, dropped: true });
    expect(cleanMathml('<math><apply><plus/><ci>n</ci></apply></math>')).toBeUndefined();
    expect(cleanMathml(`<math>${'<mrow>'.repeat(80)}<mi>x</mi>${'</mrow>'.repeat(80)}</math>`)).toBeUndefined();
  });
});

describe('nested lists', () => {
  it('stay nested: lists in items, a list directly in a list, lists in quotations, text directly in a list', async () => {
    const b = await build('lists.html');
    expect(b.status, b.stderr).toBe(0);
    expect(b.xhtml).toMatch(/<ol id="list-[0-9a-f]{8}"><li>Shelter<ul><li>A tent or a bivvy bag<\/li><li>A sleeping mat<\/li><\/ul><\/li><li>Clothing<ol><li>One set to walk in<\/li><li>One dry set for the evening<\/li><\/ol><\/li><li>Food and water<\/li><\/ol>/);
    expect(b.xhtml).toMatch(/<blockquote id="bq-[0-9a-f]{8}"><p>Our guides repeat three rules before every trip:<\/p><ul><li>Check the forecast twice\.<\/li><li>Tell someone your route\.<\/li><\/ul><p>Everything else can be bought on the way\.<\/p><\/blockquote>/);
    expect(b.xhtml).toMatch(/<ul id="list-[0-9a-f]{8}"><li>Extras worth their weight:<\/li><li>A head torch<\/li>/);
    // A table inside an item follows the item; the list goes on, numbered on.
    expect(b.xhtml).toMatch(/<li>Check the stove:<\/li><\/ol>\n<table id="table-[0-9a-f]{8}"><caption[^>]*>Stove fuel per day<\/caption>[\s\S]*?<\/table>\n<ol id="list-[0-9a-f]{8}" start="3"><li>Pack the food last\.<\/li><\/ol>/);
    const lines = b.speech.split('\n');
    const order = ['Shelter', 'A tent or a bivvy bag', 'A sleeping mat', 'Clothing', 'One set to walk in', 'One dry set for the evening', 'Food and water'];
    expect(lines.slice(lines.indexOf('Shelter'), lines.indexOf('Shelter') + order.length)).toEqual(order);
    expect(lines.slice(lines.indexOf('Our guides repeat three rules before every trip:'), lines.indexOf('Our guides repeat three rules before every trip:') + 4)).toEqual([
      'Our guides repeat three rules before every trip:',
      'Check the forecast twice.',
      'Tell someone your route.',
      'Everything else can be bought on the way.',
    ]);
    validate(b.epub);
  }, 300_000);

  it('keep list and table sentences in step between the book and the narration', async () => {
    const b = await build('lists.html', 'epub,narration,audio,read-aloud');
    expect(b.status, b.stderr).toBe(0);
    const fragments = [...b.smil!.matchAll(/<text src="article\.xhtml#([^"]+)"\/>/g)].map((m) => m[1]!);
    const ids = new Set([...b.xhtml.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!));
    for (const f of fragments) expect(ids.has(f), f).toBe(true);
    expect(fragments.filter((f) => /-i\d+-\d+-s1$/.test(f))).toHaveLength(4);
    expect(fragments.some((f) => /^bq-[0-9a-f]{8}-l0-i1-s1$/.test(f))).toBe(true);
    expect(fragments.some((f) => /^table-[0-9a-f]{8}-r1$/.test(f))).toBe(true);
    validate(b.epub, false);
  }, 300_000);
});

describe('images in pages', () => {
  it('take the largest srcset candidate, parsed as HTML does, and keep alt text in links apart from the prose', () => {
    const r = lectern(['inspect', '--json', path.join(FIXTURES, 'images.html')]);
    expect(r.status, r.stderr).toBe(0);
    const article = JSON.parse(r.stdout) as { blocks: { type: string; image?: string; children?: { type: string; value?: string }[] }[] };
    expect(article.blocks.find((b) => b.type === 'figure')!.image).toBe('https://cdn.example.org/img/w_1600,h_1200/summit.jpg');
    expect(JSON.stringify(article)).toContain('Among those at the table was ');
    expect(JSON.stringify(article)).toMatch(/Photo ?"?[^"]*Xi Jinping|Photo Xi Jinping/);
    expect(JSON.stringify(article)).not.toContain('PhotoXi');
    expect(r.stderr).toContain('warning: dropped 1 SVG drawing with words in it ("Chart of trade between the two countries, 2015 to 2025"): lectern keeps no drawings');
  });

  it('parses srcset by the HTML standard', () => {
    expect(parseSrcset('a.jpg 1x, b,c.jpg 2x,d.jpg, e.jpg 100w')).toEqual([
      { url: 'a.jpg', density: 1 },
      { url: 'b,c.jpg', density: 2 },
      { url: 'd.jpg' },
      { url: 'e.jpg', width: 100 },
    ]);
    expect(largestCandidate('s.jpg 320w, m.jpg 640w, l.jpg 1280w, x.jpg 800w')).toBe('l.jpg');
    expect(largestCandidate('a.jpg, b.jpg 3x, c.jpg 2x')).toBe('b.jpg');
    expect(largestCandidate('img.jpg 100w (max-width: 10px)')).toBe(undefined);
  });
});

describe('Markdown and JSON', () => {
  it('map fenced code, GitHub tables, nested lists and lists in quotations to the same blocks', async () => {
    const b = await build('content.md');
    expect(b.status, b.stderr).toBe(0);
    expect(b.xhtml).toContain('<code class="language-python">def count_errors(path):\n    with open(path) as log:\n        return sum("ERROR" in line for line in log)</code></pre>');
    expect(b.xhtml).toMatch(/<table id="table-[0-9a-f]{8}"><thead><tr><th scope="col">Country<\/th><th scope="col">Population<\/th><\/tr><\/thead>/);
    expect(b.xhtml).toMatch(/<ol id="list-[0-9a-f]{8}"><li>Shelter<ul><li>A tent<\/li><li>A mat<\/li><\/ul><\/li><li>Clothing<\/li><\/ol>/);
    expect(b.xhtml).toMatch(/<blockquote id="bq-[0-9a-f]{8}"><p>Three rules:<\/p><ul><li>Check the forecast\.<\/li><li>Tell someone your route\.<\/li><\/ul><p class="attribution"/);
    expect(script('content.md').map((u) => u.text)).toContain('Row 1: Country, France; Population, 68 million.');
    expect(b.stderr).not.toMatch(/warning/);
    validate(b.epub);
  }, 300_000);

  it('takes code, tables, equations and nested lists in JSON, and derives the words of an equation', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'article.json');
    writeFileSync(
      file,
      JSON.stringify({
        headline: 'Blocks in JSON',
        blocks: [
          { type: 'paragraph', children: [{ type: 'text', value: 'We know that ' }, { type: 'math', mathml: '<math><msup><mi>e</mi><mrow><mi>i</mi><mi>π</mi></mrow></msup><mo>=</mo><mn>-1</mn></math>' }, { type: 'text', value: '.' }] },
          { type: 'code', language: 'sh', value: 'echo one\necho two' },
          { type: 'table', caption: 'Scores', headerRows: 1, rows: [[{ header: true, children: 'Team' }, { header: true, children: 'Points' }], ['Reds', '3']] },
          { type: 'list', ordered: true, items: ['First', 'Second'], sublists: [{ item: 0, items: ['First, part one'] }] },
        ],
      }),
    );
    const out = tmpDir();
    const r = lectern(['build', file, '-o', out, '--stages', 'epub,speech', '--no-cache'], { env: EPOCH });
    expect(r.status, r.stderr).toBe(0);
    const speech = readFileSync(path.join(out, 'article.speech.txt'), 'utf8');
    expect(speech).toContain('We know that e');
    expect(speech).toContain('Code block, 2 lines.');
    expect(speech).toMatch(/Row (?:1|one): Team, Reds; Points, (?:3|three)\./);
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'article.epub')));
    const xhtml = await zip.file('OEBPS/article.xhtml')!.async('string');
    expect(xhtml).toMatch(/<ol id="list-[0-9a-f]{8}"><li>First<ol><li>First, part one<\/li><\/ol><\/li><li>Second<\/li><\/ol>/);
    expect(xhtml).toMatch(/<math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML" alttext="e [^"]+"><msup>/);
    validate(path.join(out, 'article.epub'), false);
  }, 300_000);
});

describe('links', () => {
  it('keep their words when sentences split them, and a piece with no words (the space between two sentences of one link) is no link, so every link in the book has a name', async () => {
    const dir = tmpDir();
    const page = path.join(dir, 'links.html');
    writeFileSync(
      page,
      `<!doctype html><html lang="en"><head><title>Links on a page</title></head><body><article><h1>Links on a page</h1>
<p>The council published its review of the harbour works on Tuesday, and the review runs to forty pages with maps.</p>
<p>Read <a href="https://example.org/review">the full review</a> or the <a href="https://example.org/empty"> </a> summary, which the council says is shorter.</p>
<p>The maps are separate. <a href="https://example.org/maps">Harbour works, vol. two. Maps and plans</a> is the second volume.</p>
</article></body></html>`,
    );
    const out = tmpDir();
    // Sentence spans for read-aloud: the EPUB's text split at every sentence.
    const r = lectern(['build', page, '-o', out, '--stages', 'epub,read-aloud', '--no-cache'], { env: EPOCH });
    expect(r.status, r.stderr).toBe(0);
    const xhtml = (await (await JSZip.loadAsync(readFileSync(path.join(out, 'links.epub')))).file('OEBPS/article.xhtml')!.async('string'))!;
    expect(xhtml).toContain('<a href="https://example.org/review">the full review</a>');
    // Every link has words: none is only white space.
    expect(xhtml).not.toMatch(/<a [^>]*>\s*<\/a>/);
    const maps = [...xhtml.matchAll(/<a href="https:\/\/example\.org\/maps">([^<]*)<\/a>/g)].map((m) => m[1]).join(' ');
    expect(maps.replace(/\s+/g, ' ')).toBe('Harbour works, vol. two. Maps and plans');
    expect(xhtml).not.toContain('https://example.org/empty');
    expect(xhtml).toMatch(/or the\s+summary, which the council says is shorter\./);
  }, 60_000);
});
