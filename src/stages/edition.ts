/**
 * What one build makes a book of: a single article, or, with `--bundle`, a digest of
 * several. Stages ask here for the book-level facts (title, authors, publisher) so that
 * single books stay exactly as they were and digests get their own.
 */
import type { Article } from '../article/model.js';
import type { StageContext } from '../pipeline/stage.js';

export function isDigest(ctx: Pick<StageContext, 'articles' | 'options'>): boolean {
  return ctx.options.bundle !== undefined;
}

/** Every author of the edition, once each, in order of appearance. */
export function editionAuthors(articles: readonly Article[]): string[] {
  return [...new Set(articles.flatMap((a) => a.byline.authors))];
}

/**
 * The edition's front matter as an article with no body: the article itself, or for a
 * digest its title, its authors and the first article's publisher (for the cover and the
 * audio's tags).
 */
export function editionFront(ctx: Pick<StageContext, 'articles' | 'options'>): Article {
  const first = ctx.articles[0]!;
  if (!isDigest(ctx)) return first;
  const authors = editionAuthors(ctx.articles);
  return {
    lang: first.lang,
    dir: first.dir,
    kicker: `Digest of ${ctx.articles.length} articles`,
    headline: ctx.options.bundle!.title,
    byline: { authors: authors.length > 3 ? [...authors.slice(0, 3), 'others'] : authors },
    source: { ...(first.source.publisher ? { publisher: first.source.publisher } : {}) },
    blocks: [],
  };
}

/** The content document of article `index`: `article.xhtml`, or `article-2.xhtml` in a digest. */
export function documentName(ctx: Pick<StageContext, 'articles' | 'options'>, index: number, ext = 'xhtml'): string {
  return isDigest(ctx) ? `article-${index + 1}.${ext}` : `article.${ext}`;
}
