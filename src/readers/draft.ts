import type { Article, Block } from '../article/model.js';

/** A block before ids are assigned. */
export type DraftBlock = Block extends infer B ? (B extends Block ? Omit<B, 'id'> & { id?: string } : never) : never;

/** What a reader returns: an article whose blocks have no ids yet. */
export type DraftArticle = Omit<Article, 'blocks'> & { blocks: DraftBlock[] };
