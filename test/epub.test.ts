import { deflateSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdirSync, symlinkSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { parseHTML } from 'linkedom';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasSeed, lectern, listFiles, ROOT, SAMPLE, SEED, tmpDir } from './helpers.js';
import { ace, chromiumDom, epubcheck, hasAce, hasChromium, hasEpubcheck } from './validators.js';

const out = tmpDir();
const inputs = [SAMPLE, ...(hasSeed ? [SEED] : [])];
const epubOf = (input: string) => path.join(out, path.basename(input).replace(/\.md$/, '.epub'));

beforeAll(() => {
  const r = lectern(['build', ...inputs, '-o', out, '-s', 'epub']);
  expect(r.status, r.stderr).toBe(0);
});

async function unzip(file: string): Promise<JSZip> {
  return JSZip.loadAsync(readFileSync(file));
}

describe.each(inputs.map((i) => [path.basename(i), i]))('the EPUB of %s', (_name, input) => {
  it.skipIf(!hasEpubcheck)('passes EPUBCheck with 0 errors and 0 warnings', () => {
    const r = epubcheck(epubOf(input));
    expect(r.messages).toEqual([]);
    expect([r.errors, r.warnings]).toEqual([0, 0]);
  }, 180_000);

  it.skipIf(!hasAce)('has 0 Ace by DAISY violations of any impact', () => {
    expect(ace(epubOf(input)).violations).toEqual([]);
  }, 300_000);

  it('has language, description, content-derived identifier and truthful accessibility metadata', async () => {
    const zip = await unzip(epubOf(input));
    const opf = await zip.file('OEBPS/content.opf')!.async('string');
    expect(opf).toMatch(/<package [^>]*xml:lang="en(-GB)?"/);
    expect(opf).toMatch(/<dc:description>.{20,}<\/dc:description>/);
    expect(opf).toMatch(/<dc:identifier id="pub-id">urn:uuid:[0-9a-f-]{36}<\/dc:identifier>/);
    for (const p of ['accessMode', 'accessModeSufficient', 'accessibilityFeature', 'accessibilityHazard', 'accessibilitySummary'])
      expect(opf).toContain(`property="schema:${p}"`);
    expect(opf).not.toContain('dcterms:conformsTo');
    expect(opf).not.toMatch(/image-placeholder|anonymous|epub-gen/);
    const names = Object.keys(zip.files);
    expect(names[0]).toBe('mimetype');
    expect(names).not.toContain('OEBPS/toc.ncx');
  });
});

describe('the bundled sample as a reader sees it', () => {
  let doc: Document;
  beforeAll(async () => {
    const dir = tmpDir();
    const zip = await unzip(epubOf(SAMPLE));
    for (const [name, entry] of Object.entries(zip.files)) {
      if (entry.dir) continue;
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), await entry.async('nodebuffer'));
    }
    const page = path.join(dir, 'OEBPS/article.xhtml');
    const dom = hasChromium ? chromiumDom(page) : readFileSync(page, 'utf8');
    doc = parseHTML(dom).document;
  });

  it('shows kicker, headline, standfirst and byline in the header', () => {
    expect(doc.documentElement.getAttribute('lang')).toBe('en-GB');
    expect(doc.querySelector('header .kicker')?.textContent).toBe('Energy');
    expect(doc.querySelector('header h1')?.textContent).toBe('Harbour town bets on the tide to keep its lights on through winter');
    expect(doc.querySelector('header .standfirst')?.textContent).toMatch(/^Porthmellin’s council has switched on/);
    expect(doc.querySelector('header .byline')?.textContent).toBe('By Elinor Marsh, in Porthmellin · 27 November 2026');
  });

  it('shows each figure with its image, alt text, caption and a separate credit', () => {
    const figures = [...doc.querySelectorAll('figure')];
    expect(figures).toHaveLength(2);
    for (const f of figures) {
      const img = f.querySelector('img')!;
      expect(img.getAttribute('alt')!.length).toBeGreaterThan(20);
      expect(img.getAttribute('src')).toMatch(/^images\/fig-[0-9a-f]{8}\.jpg$/);
      expect(f.querySelector('figcaption .caption')?.textContent).toMatch(/\.$/);
      expect(f.querySelector('figcaption .credit[role="doc-credit"]')?.textContent).toBe('© Tomas Reyes/Lectern Sample Press');
    }
  });

  it('sets the pull quote apart as an aside with doc-pullquote and its attribution', () => {
    const quote = doc.querySelector('aside[role="doc-pullquote"]');
    expect(quote?.querySelector('.quote')?.textContent).toBe('The tide is the one thing here that turns up on time.');
    expect(quote?.querySelector('.attribution')?.textContent).toBe('— Dr Ana Pereira, project engineer');
  });

  it('keeps real links, headings in order and the rights line in a footer', () => {
    expect(doc.querySelector('a')?.getAttribute('href')).toBe('https://example.org/marine-energy-report');
    expect([...doc.querySelectorAll('h1, h2, h3')].map((h) => h.tagName.toLowerCase())).toEqual(['h1', 'h2', 'h2', 'h2']);
    expect(doc.querySelector('footer')?.textContent).toMatch(/^© Lectern Sample Press 2026\./);
  });
});

describe.skipIf(!hasSeed)('the seed EPUB', () => {
  it('keeps captions and credits of figures without images, and says so in the summary', async () => {
    const zip = await unzip(epubOf(SEED));
    const page = await zip.file('OEBPS/article.xhtml')!.async('string');
    const { document } = parseHTML(page);
    const figures = [...document.querySelectorAll('figure')];
    expect(figures).toHaveLength(2);
    expect(figures.every((f) => !f.querySelector('img') && f.querySelector('.credit'))).toBe(true);
    expect(page).not.toContain('href="#"');
    const opf = await zip.file('OEBPS/content.opf')!.async('string');
    expect(opf).toContain('2 figures have no image in this edition; their caption and credit are kept as text.');
    expect(opf).toContain('<dc:rights>The Financial Times Limited 2023. All rights reserved.</dc:rights>');
  });
});

describe('reproducibility', () => {
  it('gives identical bytes for the same input and options, and honours SOURCE_DATE_EPOCH', async () => {
    const a = tmpDir();
    const b = tmpDir();
    lectern(['build', SAMPLE, '-o', a, '-s', 'epub']);
    lectern(['build', SAMPLE, '-o', b, '-s', 'epub']);
    expect(readFileSync(path.join(a, 'article.epub')).equals(readFileSync(path.join(b, 'article.epub')))).toBe(true);
    const c = tmpDir();
    lectern(['build', SAMPLE, '-o', c, '-s', 'epub'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    const opf = await (await unzip(path.join(c, 'article.epub'))).file('OEBPS/content.opf')!.async('string');
    expect(opf).toContain('<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>');
  });
});

describe('the cover', () => {
  it('is a 1600×2560 JPEG drawn from the template, with alt text', async () => {
    const zip = await unzip(epubOf(SAMPLE));
    const jpeg = await zip.file('OEBPS/cover.jpg')!.async('nodebuffer');
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1600, 2560]);
    const page = await zip.file('OEBPS/cover.xhtml')!.async('string');
    expect(page).toContain('alt="Cover: Energy: Harbour town bets on the tide to keep its lights on through winter by Elinor Marsh, Lectern Sample Press"');
  });

  it('fits a very long headline', async () => {
    const { fitHeadline } = await import('../src/stages/cover.js');
    const long = fitHeadline('word '.repeat(400));
    expect(long.size).toBe(56);
    expect(long.lines.at(-1)).toMatch(/…$/);
    expect(fitHeadline('Short').size).toBe(150);
  });

  it('is the user’s own image with --cover', async () => {
    const dir = tmpDir();
    const own = path.join(dir, 'own.png');
    await sharp({ create: { width: 400, height: 600, channels: 3, background: '#336699' } }).png().toFile(own);
    const r = lectern(['build', SAMPLE, '-o', dir, '-s', 'epub', '--cover', own]);
    expect(r.status, r.stderr).toBe(0);
    const jpeg = await (await unzip(path.join(dir, 'article.epub'))).file('OEBPS/cover.jpg')!.async('nodebuffer');
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 400, height: 600 });
  });
});

describe('conformance claims', () => {
  it('appear only when the user makes one', async () => {
    const dir = tmpDir();
    lectern(['build', SAMPLE, '-o', dir, '-s', 'epub', '--conforms-to', 'EPUB Accessibility 1.1 - WCAG 2.1 Level AA', '--certified-by', 'Jo Checker']);
    const opf = await (await unzip(path.join(dir, 'article.epub'))).file('OEBPS/content.opf')!.async('string');
    expect(opf).toContain('<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>');
    expect(opf).toContain('<meta property="a11y:certifiedBy">Jo Checker</meta>');
  });
});

/** An article folder with one figure pointing at `image`. */
function articleWithImage(image: string, setup?: (dir: string) => void): { dir: string; file: string } {
  const dir = tmpDir();
  setup?.(dir);
  const file = path.join(dir, 'story.md');
  writeFileSync(file, `---\nheadline: A story\n---\n\nA paragraph.\n\n![A described picture](${image})\nA caption. © Someone\n`);
  return { dir, file };
}

describe('image problems', () => {
  const cases: { name: string; image: string; setup?: (dir: string) => void; builds: boolean; message: RegExp }[] = [
    { name: 'a missing image file', image: 'images/gone.jpg', builds: true, message: /story\.md:7:1: warning: image images\/gone\.jpg not found; the figure keeps its caption and credit without the image$/ },
    { name: 'a corrupt image', image: 'bad.jpg', setup: (d) => writeFileSync(path.join(d, 'bad.jpg'), Buffer.from('\xff\xd8\xff\xe0 not really a jpeg', 'latin1')), builds: false, message: /story\.md:7:1: error: images: image bad\.jpg is not a readable image/ },
    { name: 'an image declaring 100000×100000 pixels', image: 'huge.png', setup: (d) => writeFileSync(path.join(d, 'huge.png'), hugePng()), builds: false, message: /story\.md:7:1: error: images: image huge\.png declares more than 50000000 pixels$/ },
    { name: 'a path escaping the article folder', image: '../outside.jpg', builds: false, message: /story\.md:7:1: error: images: image \.\.\/outside\.jpg is outside the article's folder$/ },
    {
      name: 'a symlink to a file outside the folder',
      image: 'link.jpg',
      setup: (d) => {
        copyFileSync(path.join(ROOT, 'assets/sample/images/turbines.jpg'), path.join(d, '..', `${path.basename(d)}-secret.jpg`));
        symlinkSync(path.join(d, '..', `${path.basename(d)}-secret.jpg`), path.join(d, 'link.jpg'));
      },
      builds: false,
      message: /error: images: image link\.jpg is a link to a file outside the article's folder$/,
    },
    { name: 'an http image without --allow-remote', image: 'http://example.org/a.jpg', builds: true, message: /story\.md:7:1: warning: image http:\/\/example\.org\/a\.jpg is remote; left out, the figure keeps its alt text, caption and credit \(pass --allow-remote to fetch it\)$/ },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.builds ? 'builds with a warning' : 'fails and writes nothing'}`, () => {
      const { dir, file } = articleWithImage(c.image, c.setup);
      const outDir = path.join(dir, 'out');
      const r = lectern(['build', file, '-o', outDir, '-s', 'epub']);
      expect(r.stderr.split('\n').filter((l) => c.message.test(l)), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status).toBe(c.builds ? 0 : 1);
      expect(listFiles(outDir)).toEqual(c.builds ? ['story.epub'] : []);
    });
  }
});

/** A valid PNG claiming 100000×100000 pixels, with one row of pixel data behind it. */
function hugePng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100000, 0);
  ihdr.writeUInt32BE(100000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(301))), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

