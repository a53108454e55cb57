/**
 * EPUB Accessibility 1.1 metadata that tells the truth about one book: it is computed
 * from what the book contains, never copied from a template.
 */
import type { Article } from '../article/model.js';

export interface BookFacts {
  /** Figures shown with an image, and how many of their alt texts lectern derived. */
  imagesWithAlt: number;
  derivedAlt: number;
  decorativeImages: number;
  /** Figures whose image is absent: caption and credit only. */
  figuresWithoutImage: number;
  /** Of those, how many keep the author's description of the picture as text. Default: 0. */
  described?: number;
  headings: number;
  /** Equations (MathML) and data tables in the book. Default: none. */
  equations?: number;
  tables?: number;
  coverGenerated: boolean;
  /** In a digest, the number of articles. */
  articles?: number;
  /** Present when the book carries a synchronised narration. */
  narration?: { engine: string; voice: string; durationSeconds: number };
  /** A conformance claim, only when the user makes one. */
  conformsTo?: string;
  certifiedBy?: string;
}

export interface MetaEntry {
  property: string;
  value: string;
  id?: string;
  refines?: string;
}

export function accessibilityMeta(article: Article, facts: BookFacts): MetaEntry[] {
  const visual = facts.imagesWithAlt + facts.decorativeImages > 0;
  const auditory = facts.narration !== undefined;
  const modes = ['textual', ...(visual ? ['visual'] : []), ...(auditory ? ['auditory'] : [])];
  const sufficient = ['textual', ...(visual ? ['textual,visual'] : []), ...(auditory ? ['auditory,textual', ...(visual ? ['auditory,textual,visual'] : [])] : [])];
  const features = [
    ...(visual || facts.coverGenerated ? ['alternativeText'] : []),
    'structuralNavigation',
    'tableOfContents',
    'readingOrder',
    'displayTransformability',
    'ARIA',
    ...(facts.equations ? ['MathML', 'describedMath'] : []),
    ...(auditory ? ['synchronizedAudioText'] : []),
  ];
  const meta: MetaEntry[] = [
    ...modes.map((v) => ({ property: 'schema:accessMode', value: v })),
    ...sufficient.map((v) => ({ property: 'schema:accessModeSufficient', value: v })),
    ...features.map((v) => ({ property: 'schema:accessibilityFeature', value: v })),
    { property: 'schema:accessibilityHazard', value: 'none' },
    { property: 'schema:accessibilitySummary', value: accessibilitySummary(article, facts) },
  ];
  if (facts.conformsTo) meta.push({ property: 'dcterms:conformsTo', value: facts.conformsTo });
  if (facts.certifiedBy) meta.push({ property: 'a11y:certifiedBy', value: facts.certifiedBy });
  return meta;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function accessibilitySummary(article: Article, f: BookFacts): string {
  const s: string[] = [];
  s.push(
    `${f.articles ? `A digest of ${f.articles} news articles, each in its own section and in reading order` : 'A single news article in reading order'}, marked up with semantic HTML and ARIA roles (headline, standfirst, byline${f.headings ? `, ${plural(f.headings, 'section heading')}` : ''}), with a table of contents and landmarks.`,
  );
  if (f.imagesWithAlt) {
    const derived = f.derivedAlt
      ? ` ${f.derivedAlt === f.imagesWithAlt ? 'All of them were' : `${f.derivedAlt} of them were`} derived automatically from the picture's caption, so ${f.derivedAlt === 1 ? 'it repeats' : 'they repeat'} the caption rather than describing the picture in detail.`
      : ' The alternative text was written by the author.';
    s.push(`${plural(f.imagesWithAlt, 'image')} ${f.imagesWithAlt === 1 ? 'has' : 'have'} alternative text.${derived}`);
  }
  if (f.decorativeImages) s.push(`${plural(f.decorativeImages, 'decorative image')} ${f.decorativeImages === 1 ? 'is' : 'are'} hidden from assistive technology.`);
  if (f.figuresWithoutImage) {
    s.push(`${plural(f.figuresWithoutImage, 'figure')} ${f.figuresWithoutImage === 1 ? 'has' : 'have'} no image in this edition; ${f.figuresWithoutImage === 1 ? 'its' : 'their'} caption and credit are kept as text.`);
    if (f.described)
      s.push(
        f.described === f.figuresWithoutImage
          ? `The author's description of ${f.described === 1 ? 'the picture' : 'each picture'} is kept as text too.`
          : `${f.described} of them also ${f.described === 1 ? 'keeps' : 'keep'} the author's description of the picture as text.`,
      );
  }
  if (f.equations) s.push(`${plural(f.equations, 'equation')} ${f.equations === 1 ? 'is' : 'are'} in MathML, each with a text description (alttext) that the narration reads.`);
  if (f.tables) s.push(`${plural(f.tables, 'data table')} ${f.tables === 1 ? 'keeps its' : 'keep their'} rows and columns, with header cells marked where the source had them.`);
  if (f.coverGenerated) s.push('The cover is generated from the headline and byline and is described in its alternative text.');
  if (f.narration) {
    const minutes = Math.round(f.narration.durationSeconds / 60);
    s.push(
      `The text is synchronised with a narration of ${minutes < 1 ? 'less than a minute' : `about ${plural(minutes, 'minute')}`}, read by synthetic speech (${f.narration.engine}, voice ${f.narration.voice}); reading systems that support media overlays highlight each sentence as it is spoken.`,
    );
  }
  s.push('Text can be resized and restyled; no content relies on colour. No flashing, sound or motion hazards.');
  if (!f.conformsTo) s.push('This book makes no formal conformance claim.');
  return s.join(' ');
}
