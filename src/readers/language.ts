/**
 * The language of a page's text, for pages that declare none (or declare one written in
 * another script than their text): it picks the voice, so a Chinese page read as English
 * is read by the wrong voice.
 *
 * franc-min, chosen by measurement on 66 real article bodies in 9 languages (en, zh, ja,
 * ko, ar, es, fr and others) and short snippets: franc-min 66/66 on whole articles, 62/66 on
 * 160-character snippets, 0.1 s to load, 152 KB; eld (extra-small) 66/66 and 66/66 but
 * 1.7 s to load and 8.8 MB; tinyld 64/66 and 65/66, 1.1 s, 12 MB. lectern detects on
 * the whole article body, where franc-min is as accurate as the others, at a fraction of
 * their size and start-up time. Text under `MIN_CHARS` is not enough to tell.
 */
import { franc } from 'franc-min';

/** Fewer letters than this and the detection is a guess: the page keeps the default. */
export const MIN_CHARS = 200;

/** franc's ISO 639-3 codes to the BCP 47 tag (the ISO 639-1 code where there is one). */
const BCP47: Record<string, string> = {
  eng: 'en', spa: 'es', por: 'pt', fra: 'fr', deu: 'de', ita: 'it', nld: 'nl', pol: 'pl', ron: 'ro', hun: 'hu',
  ces: 'cs', swe: 'sv', tur: 'tr', ind: 'id', vie: 'vi', jav: 'jv', sun: 'su', hau: 'ha', yor: 'yo', ibo: 'ig',
  swh: 'sw', som: 'so', zul: 'zu', kin: 'rw', run: 'rn', nya: 'ny', lin: 'ln', plt: 'mg', tgl: 'tl', ceb: 'ceb',
  ilo: 'ilo', hrv: 'hr', bos: 'bs', srp: 'sr', rus: 'ru', ukr: 'uk', bel: 'be', bul: 'bg', kaz: 'kk', uzn: 'uz',
  azj: 'az', arb: 'ar', urd: 'ur', pes: 'fa', pbu: 'ps', ckb: 'ckb', hin: 'hi', mar: 'mr', nep: 'ne', npi: 'ne',
  mai: 'mai', bho: 'bho', mag: 'mag', ben: 'bn', pan: 'pa', guj: 'gu', ori: 'or', tam: 'ta', tel: 'te', kan: 'kn',
  mal: 'ml', sin: 'si', tha: 'th', lao: 'lo', mya: 'my', khm: 'km', kat: 'ka', hye: 'hy', ell: 'el', heb: 'he',
  amh: 'am', tir: 'ti', cmn: 'zh', jpn: 'ja', kor: 'ko', zlm: 'ms', fuv: 'ff', mad: 'mad', zyb: 'za', qug: 'qu',
  hms: 'hms', hnj: 'hnj', koi: 'kv', skr: 'skr', sat: 'sat', bod: 'bo', div: 'dv', iii: 'ii', uig: 'ug',
};

/** Language names for messages, in English. */
const NAMES = new Intl.DisplayNames(['en'], { type: 'language' });
export const languageName = (tag: string): string => {
  try {
    return NAMES.of(tag) ?? tag;
  } catch {
    return tag;
  }
};

/** The BCP 47 tag of the text's language, or undefined when there is too little text to tell. */
export function detectLanguage(text: string): string | undefined {
  const sample = text.replace(/\s+/g, ' ').trim().slice(0, 4000);
  if ((sample.match(/\p{L}/gu) ?? []).length < (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(sample) ? MIN_CHARS / 4 : MIN_CHARS)) return undefined;
  const code = franc(sample, { minLength: 10 });
  return code === 'und' ? undefined : (BCP47[code] ?? code);
}

/** The script most of the text's letters are written in. */
function dominantScript(text: string): string | undefined {
  const counts = new Map<string, number>();
  for (const ch of text.slice(0, 4000)) {
    const script = SCRIPTS.find(([, re]) => re.test(ch))?.[0];
    if (script) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
const SCRIPTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['CJK', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
];
/** The script a declared language is written in, for the languages whose script is certain. */
const SCRIPT_OF: Record<string, string> = {
  en: 'Latin', fr: 'Latin', de: 'Latin', es: 'Latin', it: 'Latin', pt: 'Latin', nl: 'Latin', pl: 'Latin', sv: 'Latin', da: 'Latin', nb: 'Latin', fi: 'Latin', cs: 'Latin', hu: 'Latin', ro: 'Latin', tr: 'Latin', id: 'Latin', vi: 'Latin',
  zh: 'CJK', ja: 'CJK', ko: 'Hangul', ar: 'Arabic', fa: 'Arabic', ur: 'Arabic', ru: 'Cyrillic', uk: 'Cyrillic', bg: 'Cyrillic', el: 'Greek', he: 'Hebrew', hi: 'Devanagari', th: 'Thai',
};

/**
 * True when a page declares a language written in one script and its text is plainly in
 * another (a CMS template's `lang="en"` on a Chinese article): the declaration is wrong.
 */
export function contradictsScript(declared: string, text: string): boolean {
  const want = SCRIPT_OF[declared.toLowerCase().split('-')[0]!];
  const have = dominantScript(text);
  return !!want && !!have && want !== have;
}
