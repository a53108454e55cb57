/** Pictographs, dingbats and other symbols engines read as noise or as code points. */
const UNSPEAKABLE = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}\u{20E3}\u{2190}-\u{21FF}\u{2500}-\u{27BF}\u{E000}-\u{F8FF}\u{FFFD}]/gu;

export function universalClean(text: string): string {
  return text
    .replace(UNSPEAKABLE, ' ')
    .replace(/[\u0000-\u001F\u007F]/g, ' ')
    // "[[" opens phoneme input in eSpeak; only the lexicon may produce it.
    .replace(/\[\[/g, '[ [')
    .replace(/\s+/g, ' ')
    .trim();
}
