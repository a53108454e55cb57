/**
 * The web edition's page: the article with the same semantics as the book (header,
 * figures with alt text, captions and credits, pull quotes, rights), an audio player
 * with chapters, and the read-along data the player script uses to mark the sentence
 * being spoken. The stylesheet and the script are lectern's own small files
 * (assets/web/), inlined so the page is one file that asks for nothing but the audio,
 * the cover and the images beside it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Article } from '../article/model.js';
import { renderArticleBody, type RenderHooks } from '../epub/render.js';
import { escapeXml as esc } from '../util/xml.js';
import { projectFile } from '../util/paths.js';

/** One sentence (or other spoken element) on the page, and when it is heard. */
export interface PageCue {
  /** The cue id in the WebVTT transcript (the utterance's id). */
  id: string;
  /** Id of the element on the page that is marked while it is spoken. */
  el: string;
  /** Seconds into the MP3. */
  begin: number;
  end: number;
}

export interface PageChapter {
  title: string;
  start: number;
  /** A figure's mark rather than a chapter of the narration. */
  figure?: boolean;
}

export interface PageSpec {
  /** The page's title and heading for a digest; absent for one article. */
  digestTitle?: string;
  articles: { article: Article; hooks: RenderHooks }[];
  lang: string;
  dir: 'ltr' | 'rtl';
  description?: string;
  cover: { href: string; width: number; height: number };
  /** Absent when nothing is narrated: the page is then the text alone. */
  audio?: { href: string; transcript: string; seconds: number; narrator: string; cues: PageCue[]; chapters: PageChapter[]; key: string };
}

let assets: { css: string; js: string } | undefined;
function webAssets() {
  assets ??= { css: readFileSync(projectFile('assets/web/page.css'), 'utf8'), js: readFileSync(projectFile('assets/web/player.js'), 'utf8') };
  return assets;
}

/** The id an element of article `doc` gets on the page: as in the book for one article, prefixed in a digest (ids repeat across articles). */
export function pageId(spec: Pick<PageSpec, 'digestTitle'>, doc: number, id: string): string {
  return spec.digestTitle === undefined ? id : `art${doc + 1}-${id}`;
}

/**
 * The book's XHTML body as HTML for the page. Only markup is touched (the renderer
 * escapes every `<` of the text, so each `<...>` is a tag): EPUB's `epub:type`
 * attributes go (roles stay); in a digest, ids are prefixed and headings move down a
 * level under the digest's own heading, and the articles share one `<main>`.
 */
function articleHtml(spec: PageSpec, doc: number, hooks: RenderHooks, article: Article): string {
  const digest = spec.digestTitle !== undefined;
  let html = renderArticleBody(article, hooks).replace(/<[^<>]+>/g, (tag) => {
    let t = tag.replace(/ epub:type="[^"]*"/g, '');
    if (digest) {
      t = t.replace(/ id="([^"]*)"/g, (_m, id: string) => ` id="${pageId(spec, doc, id)}"`);
      t = t.replace(/^<(\/?)h([1-5])\b/, (_m, slash: string, n: string) => `<${slash}h${Number(n) + 1}`);
    }
    return t;
  });
  if (digest) html = html.replace(/^<main id="[^"]*">\n?/, '').replace(/<\/main>\n?/, '');
  return html;
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** "1 minute 5 seconds", for the accessible name of a time. */
function spokenDuration(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  const parts = [m ? `${m} minute${m === 1 ? '' : 's'}` : '', s % 60 || !m ? `${s % 60} second${s % 60 === 1 ? '' : 's'}` : ''];
  return parts.filter(Boolean).join(' ');
}

/** JSON safe inside `<script>`: no `</script>` or `<!--` can appear. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderPage(spec: PageSpec): string {
  const { css, js } = webAssets();
  const digest = spec.digestTitle !== undefined;
  const title = spec.digestTitle ?? spec.articles[0]!.article.headline;
  const a = spec.audio;
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push(`<html lang="${esc(spec.lang)}" dir="${spec.dir}">`);
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push('<meta name="color-scheme" content="light dark">');
  out.push('<meta name="generator" content="lectern">');
  out.push(`<title>${esc(title)}</title>`);
  if (spec.description) out.push(`<meta name="description" content="${esc(spec.description)}">`);
  out.push(`<link rel="icon" href="${esc(spec.cover.href)}">`);
  // The page may load its own files and nothing else; only lectern's own style and script run.
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const style = `\n${css}`;
  const script = `\n${js}`;
  out.push(
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; media-src 'self'; style-src ${hash(style)}; script-src ${a ? hash(script) : "'none'"}; base-uri 'none'; form-action 'none'">`,
  );
  out.push(`<style>${style}</style>`);
  out.push('</head>');
  out.push(`<body${a ? ' class="has-player"' : ''}>`);
  out.push(`<a class="skip" href="#start">Skip to the ${digest ? 'articles' : 'article'}</a>`);
  if (a) {
    // The player's own words are English; the article keeps its language.
    out.push(`<section class="player" id="rd-player" aria-label="Listen" lang="en" dir="ltr">`);
    out.push(`<img class="artwork" src="${esc(spec.cover.href)}" alt="" width="${spec.cover.width}" height="${spec.cover.height}">`);
    out.push('<div class="deck">');
    out.push(`<audio id="rd-audio" controls preload="metadata" src="${esc(a.href)}" aria-label="Narration of ${esc(title)}">`);
    out.push(`<a href="${esc(a.href)}">Download the narration (MP3)</a>`);
    out.push('</audio>');
    out.push('<div class="buttons" role="group" aria-label="Reading">');
    out.push(`<button type="button" id="rd-prev" aria-label="Previous sentence" title="Previous sentence (←)">${icon('M6 6h2v12H6zM9.5 12l8.5 6V6z')}</button>`);
    out.push(`<button type="button" id="rd-play" aria-label="Play" title="Play or pause (space)">${icon('M8 5v14l11-7z', 'play')}${icon('M6 5h4v14H6zM14 5h4v14h-4z', 'pause')}</button>`);
    out.push(`<button type="button" id="rd-next" aria-label="Next sentence" title="Next sentence (→)">${icon('M16 6h2v12h-2zM6 18l8.5-6L6 6z')}</button>`);
    out.push('<label class="speed">Speed <select id="rd-speed">');
    for (const r of [0.75, 1, 1.25, 1.5, 1.75, 2]) out.push(`<option value="${r}"${r === 1 ? ' selected' : ''}>${r}×</option>`);
    out.push('</select></label>');
    out.push('<label class="follow"><input type="checkbox" id="rd-follow" checked> Follow</label>');
    out.push('</div>');
    out.push('</div>');
    out.push('</section>');
    out.push('<aside class="about-audio" aria-label="About the narration" lang="en" dir="ltr">');
    const figures = a.chapters.filter((c) => c.figure).length;
    out.push(`<details class="chapters"><summary>Chapters <span class="count">(${a.chapters.length - figures}${figures ? `, and ${figures} figure${figures === 1 ? '' : 's'}` : ''})</span></summary>`);
    out.push('<nav aria-label="Chapters"><ol id="rd-chapters">');
    for (const c of a.chapters)
      out.push(`<li${c.figure ? ' class="figure"' : ''}><button type="button" data-start="${c.start.toFixed(3)}"><span class="title">${esc(c.title)}</span> <span class="time" aria-label="at ${spokenDuration(c.start)}">${clock(c.start)}</span></button></li>`);
    out.push('</ol></nav></details>');
    out.push(
      `<p class="help">${esc(clock(a.seconds))} of narration in a synthetic voice (${esc(a.narrator)}). The sentence being read is marked. ` +
        'Click a sentence, or move to it and press Enter, to listen from there. <kbd>Space</kbd> plays and pauses; <kbd>←</kbd> and <kbd>→</kbd> go to the previous and next sentence. ' +
        `<a href="${esc(a.transcript)}" download>Transcript (WebVTT)</a> · <a href="${esc(a.href)}" download>Narration (MP3)</a></p>`,
    );
    out.push('</aside>');
  }
  if (digest) {
    out.push('<main id="start">');
    out.push(`<header class="digest"><h1 id="digest-title">${esc(title)}</h1>`);
    out.push(`<nav aria-labelledby="digest-contents"><h2 id="digest-contents" class="contents-title">In this digest</h2><ol>`);
    spec.articles.forEach(({ article }, i) => out.push(`<li lang="${esc(article.lang)}"><a href="#${pageId(spec, i, 'headline')}">${esc(article.headline)}</a></li>`));
    out.push('</ol></nav></header>');
    spec.articles.forEach(({ article, hooks }, i) => {
      out.push(`<section class="digest-article" lang="${esc(article.lang)}" dir="${article.dir}" aria-labelledby="${pageId(spec, i, 'headline')}">`);
      out.push(articleHtml(spec, i, hooks, article));
      out.push('</section>');
    });
    out.push('</main>');
  } else {
    const { article, hooks } = spec.articles[0]!;
    out.push(articleHtml(spec, 0, hooks, article));
  }
  if (a) {
    out.push(`<script type="application/json" id="rd-data">${scriptJson({ key: a.key, cues: a.cues.map((c) => ({ id: c.id, el: c.el, b: round(c.begin), e: round(c.end) })), chapters: a.chapters.map((c) => (c.figure ? -1 : round(c.start))) })}</script>`);
    out.push(`<script>${script}</script>`);
  }
  out.push('</body>');
  out.push('</html>');
  return out.join('\n') + '\n';
}

/** A small inline icon (no icon font, nothing fetched); the button carries the name. */
function icon(path: string, cls = ''): string {
  return `<svg class="icon${cls ? ` ${cls}` : ''}" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><path fill="currentColor" d="${path}"/></svg>`;
}

const round = (s: number) => Math.round(s * 1000) / 1000;
