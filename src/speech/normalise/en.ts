/**
 * English: newspaper text as a newsreader says it. Each rule below claims one kind of
 * token (see scan.ts for how rules are tried), grouped by class in the order they are
 * tried; within a position the first rule to match wins, so the more specific forms come
 * first (a telephone number before a range, a time before a decimal, a date before a
 * year). Numbers become words here, in the article's locale: `en-GB` (and other English
 * locales but the US) says "one hundred and fifty" and reads 03/07/2016 day first; `en`
 * and `en-US` say "one hundred fifty" and read it month first, as CLDR's `en` does.
 *
 * Letters reach eSpeak NG in the form it says as letter names: "U.F.F.A" (dotted, no final
 * full stop, which eSpeak would take as the end of a sentence); all-caps words of a
 * headline are words when the dictionary knows them.
 */
import type { ExplainedNormaliser } from './index.js';
import { universalClean } from './clean.js';
import { rule, scan, type ScanRule } from './scan.js';
import { isEnglishWord } from './words.js';
import { AMERICAN, BRITISH, cardinal, decade, decimal, digitWords, numberWords, ordinal, ordinalOf, pairs, roman, year, type NumberStyle } from './numbers.js';

interface Locale {
  style: NumberStyle;
  /** Numeric dates: 03/07/2016 is the 3rd of July (day first) or March 7th. */
  dayFirst: boolean;
  /** "metres" or "meters" (eSpeak stresses them differently). */
  metre: string;
  litre: string;
  /** The score 2-0: "two nil" or "two nothing". */
  nil: string;
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const WEEKDAY = '(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\\.?,?\\s+';
const DAY_NAMES: Record<string, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const monthName = (m: string) => MONTH_NAMES.find((n) => n.toLowerCase().startsWith(m.toLowerCase().replace(/\.$/, '').slice(0, 3)))!;
const dayName = (d: string) => DAY_NAMES[d.toLowerCase().slice(0, 3)]!;

/** A number as written: 4,800 / 4800 / 2.3 / .5 */
const NUM = '(?:\\d{1,3}(?:,\\d{3})+(?!\\d)|\\d+)(?:\\.\\d+)?|\\.\\d+';
const SCALES: Record<string, string> = { crore: 'crore', lakh: 'lakh', k: 'thousand', K: 'thousand', m: 'million', mn: 'million', M: 'million', b: 'billion', B: 'billion', bn: 'billion', tn: 'trillion', thousand: 'thousand', million: 'million', billion: 'billion', trillion: 'trillion' };
const SCALE = '(?:\\s?(mn|bn|tn|m|k|b|M|B|K)|\\s(thousand|million|billion|trillion|crore|lakh))(?![\\p{L}\\d])';

/** Currencies: symbol or code -> [one, many, minor one, minor many]. */
const CURRENCIES: Record<string, [string, string, string?, string?]> = {
  $: ['dollar', 'dollars', 'cent', 'cents'],
  'US$': ['US dollar', 'US dollars', 'cent', 'cents'],
  'A$': ['Australian dollar', 'Australian dollars', 'cent', 'cents'],
  'AU$': ['Australian dollar', 'Australian dollars', 'cent', 'cents'],
  'C$': ['Canadian dollar', 'Canadian dollars', 'cent', 'cents'],
  'CA$': ['Canadian dollar', 'Canadian dollars', 'cent', 'cents'],
  'NZ$': ['New Zealand dollar', 'New Zealand dollars', 'cent', 'cents'],
  'HK$': ['Hong Kong dollar', 'Hong Kong dollars', 'cent', 'cents'],
  'S$': ['Singapore dollar', 'Singapore dollars', 'cent', 'cents'],
  'R$': ['real', 'reais', 'centavo', 'centavos'],
  '£': ['pound', 'pounds', 'penny', 'pence'],
  '€': ['euro', 'euros', 'cent', 'cents'],
  '¥': ['yen', 'yen'],
  '₩': ['won', 'won'],
  '₹': ['rupee', 'rupees', 'paisa', 'paise'],
  Rs: ['rupee', 'rupees', 'paisa', 'paise'],
  '₽': ['rouble', 'roubles', 'kopek', 'kopeks'],
  '₺': ['lira', 'lira', 'kurus', 'kurus'],
  '₪': ['shekel', 'shekels', 'agora', 'agorot'],
  '₦': ['naira', 'naira', 'kobo', 'kobo'],
  '₱': ['peso', 'pesos', 'centavo', 'centavos'],
  CHF: ['Swiss franc', 'Swiss francs', 'centime', 'centimes'],
  USD: ['US dollar', 'US dollars', 'cent', 'cents'],
  EUR: ['euro', 'euros', 'cent', 'cents'],
  GBP: ['pound', 'pounds', 'penny', 'pence'],
  JPY: ['yen', 'yen'],
  CNY: ['yuan', 'yuan'],
  INR: ['rupee', 'rupees', 'paisa', 'paise'],
};
const CUR = '(US\\$\\s?|AU?\\$|CA?\\$|NZ\\$|HK\\$|S\\$|R\\$|\\$\\s?|£\\s?|€\\s?|¥|₩|₹|₽|₺|₪|₦|₱|(?:CHF|USD|EUR|GBP|JPY|CNY|INR|Rs\\.?)\\s?)';

/** Units: symbol -> [one, many]; "metre" and "litre" are spelt by locale. */
const UNITS: Record<string, [string, string]> = {
  mm: ['millimetre', 'millimetres'], cm: ['centimetre', 'centimetres'], m: ['metre', 'metres'], km: ['kilometre', 'kilometres'],
  nm: ['nanometre', 'nanometres'], µm: ['micrometre', 'micrometres'], μm: ['micrometre', 'micrometres'],
  m2: ['square metre', 'square metres'], km2: ['square kilometre', 'square kilometres'], cm2: ['square centimetre', 'square centimetres'],
  m3: ['cubic metre', 'cubic metres'], km3: ['cubic kilometre', 'cubic kilometres'], cm3: ['cubic centimetre', 'cubic centimetres'],
  'sq km': ['square kilometre', 'square kilometres'], 'sq m': ['square metre', 'square metres'], 'sq ft': ['square foot', 'square feet'], 'sq mi': ['square mile', 'square miles'],
  mi: ['mile', 'miles'], ft: ['foot', 'feet'], yd: ['yard', 'yards'], ha: ['hectare', 'hectares'],
  kg: ['kilogram', 'kilograms'], KG: ['kilogram', 'kilograms'], g: ['gram', 'grams'], mg: ['milligram', 'milligrams'], µg: ['microgram', 'micrograms'], μg: ['microgram', 'micrograms'],
  lb: ['pound', 'pounds'], lbs: ['pounds', 'pounds'], oz: ['ounce', 'ounces'], t: ['tonne', 'tonnes'],
  l: ['litre', 'litres'], L: ['litre', 'litres'], ml: ['millilitre', 'millilitres'], mL: ['millilitre', 'millilitres'], cl: ['centilitre', 'centilitres'], gal: ['gallon', 'gallons'],
  mph: ['mile per hour', 'miles per hour'], 'km/h': ['kilometre per hour', 'kilometres per hour'], kph: ['kilometre per hour', 'kilometres per hour'], kmh: ['kilometre per hour', 'kilometres per hour'], 'm/s': ['metre per second', 'metres per second'],
  '°C': ['degree Celsius', 'degrees Celsius'], '°F': ['degree Fahrenheit', 'degrees Fahrenheit'], '°': ['degree', 'degrees'], 'º': ['degree', 'degrees'],
  Hz: ['hertz', 'hertz'], kHz: ['kilohertz', 'kilohertz'], MHz: ['megahertz', 'megahertz'], GHz: ['gigahertz', 'gigahertz'],
  W: ['watt', 'watts'], kW: ['kilowatt', 'kilowatts'], MW: ['megawatt', 'megawatts'], GW: ['gigawatt', 'gigawatts'],
  kWh: ['kilowatt hour', 'kilowatt hours'], MWh: ['megawatt hour', 'megawatt hours'], GWh: ['gigawatt hour', 'gigawatt hours'], TWh: ['terawatt hour', 'terawatt hours'],
  V: ['volt', 'volts'], kV: ['kilovolt', 'kilovolts'], mAh: ['milliamp hour', 'milliamp hours'],
  KB: ['kilobyte', 'kilobytes'], kB: ['kilobyte', 'kilobytes'], MB: ['megabyte', 'megabytes'], GB: ['gigabyte', 'gigabytes'], TB: ['terabyte', 'terabytes'],
  Mb: ['megabit', 'megabits'], Gb: ['gigabit', 'gigabits'], kbps: ['kilobit per second', 'kilobits per second'], mbps: ['megabit per second', 'megabits per second'], Mbps: ['megabit per second', 'megabits per second'], Gbps: ['gigabit per second', 'gigabits per second'],
  cc: ['C.C', 'C.C'], bpd: ['barrel per day', 'barrels per day'], bbl: ['barrel', 'barrels'], ppm: ['part per million', 'parts per million'], dB: ['decibel', 'decibels'], hp: ['horsepower', 'horsepower'], kcal: ['kilocalorie', 'kilocalories'],
  min: ['minute', 'minutes'], mins: ['minutes', 'minutes'], hr: ['hour', 'hours'], hrs: ['hours', 'hours'], sec: ['second', 'seconds'], secs: ['seconds', 'seconds'], ms: ['millisecond', 'milliseconds'],
  wk: ['week', 'weeks'], wks: ['weeks', 'weeks'], mo: ['month', 'months'], mos: ['months', 'months'], yr: ['year', 'years'], yrs: ['years', 'years'],
};
/** "per" units after a slash: "$20/mo", "12/kg". */
const PER: Record<string, string> = { mo: 'month', month: 'month', yr: 'year', year: 'year', y: 'year', h: 'hour', hr: 'hour', hour: 'hour', day: 'day', d: 'day', wk: 'week', week: 'week', night: 'night', person: 'person', head: 'head', share: 'share', barrel: 'barrel', bbl: 'barrel', s: 'second', sec: 'second', min: 'minute' };
const unitAlternation = (keys: string[]) =>
  keys
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s?'))
    .join('|');
const UNIT = `(${unitAlternation(Object.keys(UNITS))})`;
const PER_UNIT = `(${unitAlternation([...new Set([...Object.keys(UNITS), ...Object.keys(PER)])])})`;
const TZ = '(EST|EDT|CST|CDT|MST|MDT|PST|PDT|GMT|UTC|BST|CET|CEST|EET|IST|JST|AEST|AEDT|ET|PT|e\\.s\\.t\\.?|est|gmt|utc)';

/** All-caps words said as words, not letters. */
const ACRONYM_WORDS = new Set(['NATO', 'NASA', 'OPEC', 'UNESCO', 'UNICEF', 'AIDS', 'COVID', 'FIFA', 'UEFA', 'ASEAN', 'NAFTA', 'OFCOM', 'OFGEM', 'OFSTED', 'OFWAT', 'SARS', 'MERS', 'LASER', 'RADAR', 'SCUBA', 'NIMBY', 'ISIS', 'BRICS', 'WANA', 'CERN', 'ACAS', 'IKEA', 'LEGO', 'NICE', 'UNIFIL', 'UNRWA', 'FRONTEX', 'EUROPOL', 'INTERPOL', 'MOMA', 'SWAT', 'OK', 'TED', 'ESA']);
/** Short words that are words even on their own in capitals ("CC BY"). */
const CAPS_WORDS = new Set(['A', 'I', 'BY', 'OF', 'THE', 'AND', 'TO', 'IN', 'ON', 'FOR', 'OR', 'IS', 'WAS', 'ARE', 'BE', 'SO', 'IF', 'BUT', 'NOT', 'HAS', 'HAD', 'NEW', 'NOW', 'OUT', 'OFF', 'ALL', 'ONE', 'TWO', 'SAY', 'SAYS', 'AGO']);
/** Names after which a numeral is a regnal number ("Elizabeth I"): the pronoun "I" is never one otherwise. */
const REGNAL_I = new Set(['Elizabeth', 'Charles', 'James', 'George', 'William', 'Henry', 'Edward', 'Richard', 'Mary', 'Peter', 'Catherine', 'Napoleon', 'Louis', 'Philip', 'Francis', 'John', 'Paul', 'Alexander', 'Nicholas', 'Frederick', 'Ferdinand', 'Leopold', 'Wilhelm', 'Pius', 'Benedict', 'Gregory', 'Leo', 'Clement', 'Victoria', 'Anne', 'Juan', 'Carlos', 'Felipe', 'Harald', 'Olav', 'Haakon', 'Gustaf', 'Willem', 'Albert', 'Rainier', 'Constantine', 'Selim', 'Mehmed', 'Suleiman', 'Abdullah', 'Hussein']);
/** Words before a numeral that is a plain number: "World War II", "Part XL", "Super Bowl LVIII". */
const NUMBERED = /(?:\b(?:War|Part|Chapter|Volume|Vol\.?|Book|Act|Phase|Stage|Section|Schedule|Title|Tier|Article|Bowl|Vatican|Apollo|Gemini|Type|Class|Level|Round|Series|Season|Episode|Grade)\s+)$/;
/** Capitalised words that are not names, so a numeral after them is not a regnal number. */
const NOT_NAMES = new Set(['The', 'A', 'An', 'In', 'On', 'At', 'Of', 'And', 'But', 'Or', 'For', 'With', 'From', 'To', 'By', 'His', 'Her', 'Their', 'Its', 'This', 'That', 'When', 'If', 'As', 'So', 'Then', 'What', 'Where', 'Why', 'How', 'Yes', 'No']);
/** Title abbreviations before a name. */
const TITLES: Record<string, string> = { Mr: 'Mister', Mrs: 'Missus', Ms: 'Miz', Dr: 'Doctor', Prof: 'Professor', St: 'Saint', Gen: 'General', Col: 'Colonel', Lt: 'Lieutenant', Sgt: 'Sergeant', Capt: 'Captain', Rev: 'Reverend', Sen: 'Senator', Rep: 'Representative', Gov: 'Governor', Supt: 'Superintendent', Insp: 'Inspector', Cllr: 'Councillor', Mt: 'Mount', Ft: 'Fort', Pres: 'President', Fr: 'Father', Sr: 'Sister' };
/** Street words after a name. */
const STREETS: Record<string, string> = { St: 'Street', Ave: 'Avenue', Rd: 'Road', Blvd: 'Boulevard', Ln: 'Lane', Dr: 'Drive', Ct: 'Court', Pl: 'Place', Sq: 'Square', Pkwy: 'Parkway', Hwy: 'Highway', Tce: 'Terrace' };
/** Words that start a sentence, so "Elm St. It was" keeps its full stop. */
const SENTENCE_STARTERS = /^\s+(?:It|The|He|She|They|We|I|You|A|An|This|That|There|In|On|At|But|And|So|His|Her|Their|Our|My|Its|When|Then|Now)\b/;
/** Scores: "won 3-1", "a 2-0 win". */
const SCORE_BEFORE = /\b(?:won|lost|beat|beaten|beating|drew|draw|drawn|winning|losing|trail(?:ed|ing)?|led|lead(?:ing)?|defeated|thrashed)\s+(?:by\s+)?(?:an?\s+)?$/i;
const SCORE_AFTER = /^\s(?:win|victory|defeat|draw|loss|lead|home win|away win|scoreline|thrashing|triumph)\b/i;
/** Words after an amount that show it is used as an adjective ("a £12.5mn array"), or not. */
const NOT_NOUN = /^\s+(?:of|to|in|on|for|from|with|by|at|and|or|but|was|is|are|were|be|been|will|would|could|should|can|may|might|had|has|have|that|which|who|as|than|a|an|the|this|these|those|it|they|he|she|we|each|per|more|less|over|under|last|this|next|into|so|because|when|while|if|after|before|since|until)\b/i;

/** First characters of rules that do not start with a digit. */
const FIRST: Record<string, RegExp> = {
  'electronic:url': /[hHwW]/, 'electronic:domain': /[a-z0-9]/, 'telephone:international': /\+/, 'verbatim:and-or': /a/, 'verbatim:number-sign': /#/, 'verbatim:approximately': /~/,
  'measure:percent': /[-−\d.]/, measure: /[-−\d.]/, 'cardinal:signed': /[-−+]/, 'cardinal:range': /[\d.]/, cardinal: /[\d.]/, 'cardinal:roman': /[IVXLCDM]/,
  'measure:feet-inches': /\d/, 'abbreviation:circa': /c/, 'abbreviation:phd': /P/, 'abbreviation:wars': /W/, 'fraction:vulgar': /[\d½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞]/, 'date:decade-short': /['’]/, 'date:month-year': /[A-Za-z]/, 'date:weekday': /[MTWFS]/,
  'abbreviation:title': /[A-Z]/, 'abbreviation:street': /[A-Z]/, 'abbreviation:number': /[Nn]/, 'abbreviation:latin': /[eivaJS]/, 'letters:initials': /\p{Lu}/u, 'letters:dotted': /\p{Lu}/u,
};

function localeOf(lang: string): Locale {
  const region = lang.split('-')[1]?.toUpperCase();
  const american = !region || region === 'US';
  return american
    ? { style: AMERICAN, dayFirst: false, metre: 'meter', litre: 'liter', nil: 'nothing' }
    : { style: BRITISH, dayFirst: true, metre: 'metre', litre: 'litre', nil: 'nil' };
}

function englishRules(loc: Locale): ScanRule[] {
  const { style } = loc;
  const num = (s: string) => numberWords(s, style);
  const spell = (w: string) => w.replace(/metre/g, loc.metre).replace(/litre/g, loc.litre);
  const yr = (s: string) => year(Number(s), style);
  const hour = (h: string) => cardinal(h, style);
  const minutes = (m: string) => (m === '00' ? '' : m[0] === '0' ? `oh ${cardinal(m[1]!)}` : cardinal(m));
  const letters = (w: string) => w.replace(/\./g, '').split('').join('.');
  const tz = (t: string | undefined) => (t ? ` ${letters(t.toUpperCase())}` : '');
  const isOne = (n: string) => /^1$/.test(n);
  const amountNoun = (ctx: { text: string }, end: number, before: string) => /\b(?:an?|the|this|that|its|his|her|their|our|my)\s+$/i.test(before) && /^\s+\p{Ll}/u.test(ctx.text.slice(end, end + 2)) && !NOT_NOUN.test(ctx.text.slice(end, end + 12));
  /** "a.m."/"p.m." */
  const ampm = (x: string) => `${x.toLowerCase()}.m.`;
  const time12 = (h: string, m: string | undefined, x: string) => `${hour(h)}${m && m !== '00' ? ` ${minutes(m)}` : ''} ${ampm(x)}`;
  const date = (day: string | number, month: string, yearText: string | undefined, monthFirst: boolean, said: string) => {
    const d = ordinal(Number(day));
    const y = yearText ? ` ${yearText.length === 2 ? (yearText[0] === '0' ? `oh ${cardinal(yearText[1]!)}` : cardinal(yearText)) : yr(yearText)}` : '';
    if (monthFirst) return `${month} ${d}${y}`;
    // "on the 26th May": the article already said "the".
    return `${/\bthe\s*$/i.test(said) ? '' : 'the '}${d} of ${month}${y}`;
  };
  const validDay = (d: number, m: number) => m >= 1 && m <= 12 && d >= 1 && d <= 31;
  const fraction = (n: string, d: string) => {
    const den = Number(d);
    const one = Number(n) === 1;
    const word = den === 2 ? (one ? 'half' : 'halves') : den === 4 ? (one ? 'quarter' : 'quarters') : ordinal(den) + (one ? '' : 's');
    return `${cardinal(n, style)} ${word}`;
  };
  const VULGAR: Record<string, [string, string]> = { '½': ['1', '2'], '⅓': ['1', '3'], '⅔': ['2', '3'], '¼': ['1', '4'], '¾': ['3', '4'], '⅕': ['1', '5'], '⅖': ['2', '5'], '⅗': ['3', '5'], '⅘': ['4', '5'], '⅙': ['1', '6'], '⅚': ['5', '6'], '⅛': ['1', '8'], '⅜': ['3', '8'], '⅝': ['5', '8'], '⅞': ['7', '8'] };
  const money = (cur: string, amount: string, scaleWord: string | undefined, adjective: boolean): string => {
    const key = cur.trim().replace(/\.$/, '');
    const [one, many, minorOne, minorMany] = CURRENCIES[key] ?? CURRENCIES['$']!;
    const clean = amount.replace(/,/g, '');
    if (scaleWord) return `${num(clean)} ${scaleWord} ${adjective ? one : many}`;
    const [int = '', frac] = clean.split('.');
    const whole = int === '' ? '0' : int;
    const unit = (n: string) => (adjective || isOne(n.replace(/^0+(?=\d)/, '')) ? one : many);
    if (frac === undefined || /^0+$/.test(frac)) return `${cardinal(whole, style)} ${unit(whole)}`;
    // Cents: two places, or one ("$20.5"), or more that are only trailing zeros ("$20.500").
    const cents = /^\d$/.test(frac) ? frac + '0' : /^\d\d0*$/.test(frac) ? frac.slice(0, 2) : undefined;
    if (!cents || !minorOne) return `${decimal(clean, style)} ${many}`;
    const c = Number(cents);
    const minor = `${cardinal(c, style)} ${c === 1 ? minorOne : minorMany}`;
    return Number(whole) === 0 ? minor : `${cardinal(whole, style)} ${unit(whole)} ${minor}`;
  };
  const unitWords = (u: string, value: string | undefined, adjective: boolean) => {
    const key = Object.keys(UNITS).find((k) => k.replace(/ /g, '') === u.replace(/\s/g, '')) ?? u;
    const [one, many] = UNITS[key]!;
    return spell(adjective || (value !== undefined && isOne(value)) ? one : many);
  };

  const rules: ScanRule[] = [
    // ELECTRONIC: say where a link goes, not every character.
    rule('electronic:email', 'ELECTRONIC', /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/, (m) => {
      const [user, domain] = m[0].split('@');
      return `${user!.split('.').join(' dot ')} at ${domain!.split('.').join(' dot ')}`;
    }),
    rule('electronic:url', 'ELECTRONIC', /(?:https?:\/\/|www\.)[^\s)\]]*[^\s)\].,;:!?'"”’]/i, (m) => {
      const host = m[0].replace(/^[a-z]+:\/\//i, '').replace(/^www\./i, '').split(/[/?#:]/)[0]!;
      return host.split('.').join(' dot ');
    }),
    rule('electronic:domain', 'ELECTRONIC', /[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|edu|io|co\.uk|org\.uk|ac\.uk|uk|de|fr|eu|info)(?![\p{L}\d])/u, (m) => m[0].split('.').join(' dot ')),

    // TELEPHONE: digit by digit, in the groups it is written in.
    rule('telephone', 'TELEPHONE', /(\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?\d{3,4}[\s.-]\d{3,4}|\d{3}[.-]\d{3}[.-]\d{4}|1-\d{3}-\d{3}-\d{4}|0\d{2,4}\s\d{3,4}\s\d{3,4})(?![\d-])/, (m) => {
      const groups = m[0].replace(/^\+/, '').split(/[\s.()-]+/).filter(Boolean);
      return (m[1] ? 'plus ' : '') + groups.map((g) => digitWords(g)).join(', ');
    }, { first: /[+(\d]/ }),
    rule('telephone:international', 'TELEPHONE', /\+\d{1,3}(?:[\s.-]\d{1,4}){2,5}(?![\d])/, (m) => 'plus ' + m[0].slice(1).split(/[\s.-]+/).map((g) => digitWords(g)).join(', ')),
    // "401(k)": a name, not an aside.
    rule('cardinal:with-letter', 'CARDINAL', /(\d{3})\(([a-z])\)/, (m) => `${digitWords(m[1]!)} ${m[2]}`),

    // PUNCT: what is not said, or said as a pause.
    rule('punct:ellipsis', 'PUNCT', /\s*(?:\.\s*){3}|\s*…\s*/, () => ' … ', { anywhere: true, first: /[\s.…]/ }),
    rule('date:decade-short', 'DATE', /['’](\d)0s(?![\p{L}\d])/u, (m) => decade(1900 + Number(m[1]) * 10).replace(/^nineteen /, ''), { anywhere: true }),
    rule('punct:apostrophe', 'PUNCT', /['’](?=\p{L}|\s|$|[.,;:!?])/u, (_m, ctx) => (/\p{L}$/u.test(ctx.said) ? "'" : undefined), { anywhere: true, first: /['’]/, quiet: true }),
    rule('punct:quote', 'PUNCT', /["“”„«»‘’‹›']/, () => ' ', { anywhere: true, quiet: true }),
    // Brackets stay: eSpeak NG pauses at them as at an aside (so do the other engines), and
    // they are tried where they stand, so "(123) 123-5678" can be a telephone number first.
    rule('punct:hyphen-number', 'PUNCT', /-(?=\d)/, (_m, ctx) => (/\p{L}$/u.test(ctx.said) ? ' ' : undefined), { anywhere: true, first: /-/ }),
    rule('punct:dash', 'PUNCT', /\s*[—―]\s*|\s+–\s+/, () => ', ', { anywhere: true, first: /[\s—―]/ }),
    rule('verbatim:ampersand', 'VERBATIM', /\s*&\s*/, () => ' and ', { anywhere: true, first: /[\s&]/ }),
    rule('verbatim:and-or', 'VERBATIM', /and\/or(?![\p{L}])/u, () => 'and or'),
    rule('verbatim:slash', 'VERBATIM', /(?<=\p{L})\/(?=\p{L})/u, () => ', ', { anywhere: true, first: /\// }),
    rule('verbatim:by', 'VERBATIM', /\s?[×x]\s?(?=\d)/, (m, ctx) => (/\d/.test(ctx.text[m.index - 1] ?? '') ? ' by ' : undefined), { anywhere: true, first: /[\s×x]/ }),
    rule('punct:range-dash', 'PUNCT', /–(?=\d)/, (m, ctx) => (/[\ds]/.test(ctx.text[m.index - 1] ?? '') ? ' to ' : undefined), { anywhere: true, first: /–/ }),
    rule('abbreviation:circa', 'ABBREVIATION', /c(?:a|irca)?\.\s?(?=\d)/, () => 'circa '),
    rule('abbreviation:phd', 'ABBREVIATION', /Ph\.\s?D\.?/, () => 'P.H.D'),
    rule('abbreviation:wars', 'ABBREVIATION', /WW(I{1,2})(?![\p{L}])/u, (m) => `World War ${m[1] === 'I' ? 'one' : 'two'}`),
    rule('measure:feet-inches', 'MEASURE', /(\d+)\s?(?:ft|feet|')\s?(\d{1,2})\s?(?:in(?:ches)?\b|"|”)/, (m) => `${cardinal(m[1]!, style)} ${m[1] === '1' ? 'foot' : 'feet'} ${cardinal(m[2]!, style)} ${m[2] === '1' ? 'inch' : 'inches'}`),
    rule('verbatim:number-sign', 'VERBATIM', /#(?=\d)/, () => 'number '),
    rule('verbatim:approximately', 'VERBATIM', /~(?=\d)/, () => 'about '),

    // MONEY: currency before or after, scale words, ranges, rates.
    rule('money', 'MONEY', new RegExp(`${CUR}(${NUM})(?:${SCALE})?(?:\\s?(?:[-–]|to)\\s?${CUR}?(${NUM})(?:${SCALE})?)?(?:\\s?\\/\\s?${PER_UNIT}(?![\\p{L}]))?`, 'u'), (m, ctx) => {
      const [, cur, a, s1, w1, , b, s2, w2, per] = m;
      const end = m.index + m[0].length;
      const adjective = !b && !per && amountNoun(ctx, end, ctx.said);
      const scale1 = s1 ? SCALES[s1] : w1;
      const scale2 = s2 ? SCALES[s2] : w2;
      const perWords = per ? ` per ${PER[per] ?? unitWords(per, undefined, true)}` : '';
      if (!b) return money(cur!, a!, scale1, adjective) + perWords;
      // "rose $2.15 to $84.60": two amounts, each said whole ("to" is a change, not a range),
      // as is a range whose first end has cents.
      if ((m[5] && /\sto\s/.test(m[0])) || (!scale1 && /\.\d*[1-9]/.test(a!))) return `${money(cur!, a!, scale1, false)} to ${money(m[5] ?? cur!, b, scale2, false)}${perWords}`;
      // "£3bn-£4bn", "£3-4bn": "three (billion) to four billion pounds".
      const first = scale1 ? `${num(a!)} ${scale1}` : num(a!);
      return `${first} to ${money(cur!, b, scale2 ?? scale1, false)}${perWords}`;
    }, { first: /[$£€¥₩₹₽₺₪₦₱UACNHSRCEGJI]/ }),
    rule('money:pence', 'MONEY', new RegExp(`(${NUM})p(?![\\p{L}\\d])`, 'u'), (m) => `${num(m[1]!)} ${m[1] === '1' ? 'penny' : 'pence'}`),

    // TIME: before decimals ("6.42am") and ratios.
    rule('time:12h', 'TIME', new RegExp(`(\\d{1,2})(?:[:.](\\d{2}))?(?:\\s?[-–]\\s?(\\d{1,2})(?:[:.](\\d{2}))?)?\\s?([AaPp])\\.?\\s?[Mm]\\.?(?![\\p{L}\\d])(?:\\s?[-–]\\s?(\\d{1,2})(?:[:.](\\d{2}))?\\s?([AaPp])\\.?\\s?[Mm]\\.?(?![\\p{L}\\d]))?(?:\\s?${TZ}(?![\\p{L}]))?`, 'u'), (m) => {
      const [, h, mi, h2, mi2, x, h3, mi3, x3, zone] = m;
      if (Number(h) > 12 || (h2 && Number(h2) > 12)) return undefined;
      const first = h2 ? `${hour(h!)}${mi && mi !== '00' ? ` ${minutes(mi)}` : ''} to ${time12(h2, mi2, x!)}` : time12(h!, mi, x!);
      return `${first}${h3 ? ` to ${time12(h3, mi3, x3!)}` : ''}${tz(zone)}`;
    }),
    rule('time:24h', 'TIME', new RegExp(`([01]?\\d|2[0-4]):([0-5]\\d)(?::([0-5]\\d))?(?![\\d:])(?:\\s?${TZ}(?![\\p{L}]))?`, 'u'), (m) => {
      const [, h, mi, s, zone] = m;
      if (s !== undefined) {
        const part = (n: string, one: string) => `${cardinal(n, style)} ${Number(n) === 1 ? one : one + 's'}`;
        return `${part(h!, 'hour')} ${part(mi!, 'minute')} and ${part(s, 'second')}${tz(zone)}`;
      }
      return `${hour(h!)} ${mi === '00' ? "o'clock" : minutes(mi!)}${tz(zone)}`;
    }),

    // DATE: with a month name, numeric, decades, year ranges, years.
    rule('date:day-month', 'DATE', new RegExp(`(?:${WEEKDAY})?(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?(?:\\s+of)?\\s+${MONTH}(?:\\s?,?\\s+(\\d{4})(?!\\d))?(?![\\p{L}\\d])`, 'iu'), (m, ctx) => {
      const [, wd, d, mo, y] = m;
      if (Number(d) < 1 || Number(d) > 31) return undefined;
      if (/^(?:may|march)$/.test(mo!) && !y) return undefined;
      const body = date(d!, monthName(mo!), y, false, wd ? '' : ctx.said);
      return wd ? `${dayName(wd)} ${body}` : body;
    }, { first: /[\dMTWFSmtwfs]/ }),
    rule('date:month-day', 'DATE', new RegExp(`(?:${WEEKDAY})?${MONTH}[\\s-]+(\\d{1,2})(?:st|nd|rd|th)?(?:(?:\\s?,?\\s+|-)(\\d{4})(?!\\d))?(?![\\p{L}\\d]|[.,]\\d)`, 'iu'), (m) => {
      const [, wd, mo, d, y] = m;
      if (Number(d) < 1 || Number(d) > 31) return undefined;
      if (/^(?:may|march)$/.test(mo!) && !y) return undefined;
      return `${wd ? `${dayName(wd)} ` : ''}${date(d!, monthName(mo!), y, true, '')}`;
    }, { first: /[A-Za-z]/ }),
    rule('date:month-year', 'DATE', new RegExp(`${MONTH},?\\s+(\\d{4})(?!\\d)`, 'iu'), (m) => (/^(?:may|march)$/.test(m[1]!) ? undefined : `${monthName(m[1]!)} ${yr(m[2]!)}`), { first: /[A-Za-z]/ }),
    rule('date:weekday', 'DATE', /(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?(?=\s+the\s)/, (m) => dayName(m[1]!)),
    rule('date:iso', 'DATE', /(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])/, (m, ctx) => {
      const [, y, mo, d] = m;
      if (!validDay(Number(d), Number(mo))) return undefined;
      return date(d!, MONTH_NAMES[Number(mo) - 1]!, y, !loc.dayFirst, ctx.said);
    }),
    rule('date:numeric', 'DATE', /(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])(?![/.-]\d)/, (m, ctx) => {
      const [, a, , b, y] = m;
      // The article's locale decides, unless one of the two cannot be a month.
      const dayFirst = Number(a) > 12 ? true : Number(b) > 12 ? false : loc.dayFirst;
      const [d, mo] = dayFirst ? [a!, b!] : [b!, a!];
      if (!validDay(Number(d), Number(mo))) return undefined;
      return date(d, MONTH_NAMES[Number(mo) - 1]!, y, !dayFirst, ctx.said);
    }),
    rule('date:decade', 'DATE', /(1[0-9]|20)(\d)0(?:\s?|['’])s(?![\p{L}\d])/u, (m) => decade(Number(`${m[1]}${m[2]}0`), style)),
    rule('date:decade-bare', 'DATE', /([2-9])0['’]?s(?![\p{L}\d])/u, (m) => decade(1900 + Number(m[1]) * 10).replace(/^nineteen /, '')),
    rule('date:year-range', 'DATE', /(1[1-9]\d\d|20\d\d)\s?[-–\/]\s?(\d{2}|1[1-9]\d\d|20\d\d)(?![\d\p{L}%])/u, (m) => {
      const [, a, b] = m;
      if (b!.length === 2 && Number(b) <= Number(a!.slice(2)) && a!.slice(2) !== '99') return undefined;
      const second = b!.length === 2 ? (b![0] === '0' ? `oh ${cardinal(b![1]!)}` : cardinal(b!)) : yr(b!);
      return `${yr(a!)} to ${second}`;
    }),
    rule('date:era', 'DATE', /(\d{1,4})\s?(AD|BC|BCE|CE|A\.D\.?|B\.C\.?)(?![\p{L}])/u, (m) => `${year(Number(m[1]), style)} ${letters(m[2]!)}`),

    // MEASURE: a number and a unit, with ranges, "per" and plural agreement.
    rule('measure:percent', 'MEASURE', new RegExp(`([-−])?(${NUM})(?:\\s?(?:[-–]|to)\\s?(${NUM}))?\\s?(%|pc(?![\\p{L}]))`, 'u'), (m) => `${m[1] ? 'minus ' : ''}${num(m[2]!)}${m[3] ? ` to ${num(m[3])}` : ''} percent`),
    rule('measure:scale', 'CARDINAL', new RegExp(`(${NUM})(?:\\s?[-–]\\s?(${NUM}))?(mn|bn|tn|m|k)(?![\\p{L}\\d])(?:\\s(bpd|bbl|kWh|MWh|GWh|TWh|km|kg|mph|tonnes))?(?![\\p{L}\\d])`, 'u'), (m, ctx) => {
      const [, a, b, s, u] = m;
      if (u) return `${b ? `${num(a!)} to ` : ''}${num(b ?? a!)} ${SCALES[s!]} ${unitWords(u, undefined, false)}`;
      const after = ctx.text.slice(m.index + m[0].length);
      // "100m sprint": metres, not millions.
      if (s === 'm' && /^[\s-]+(?:sprint|race|hurdles|freestyle|butterfly|backstroke|breaststroke|relay|dash|final|long|high|wide|deep|tall|away|above|below|from|of water)\b/.test(after)) return `${num(a!)} ${spell(isOne(a!) ? 'metre' : 'metres')}`;
      return `${b ? `${num(a!)} to ` : ''}${num(b ?? a!)} ${SCALES[s!]}`;
    }),
    rule('measure', 'MEASURE', new RegExp(`([-−])?(${NUM})(?:\\s?(?:[-–]|to)\\s?(${NUM}))?(\\s?|-)${UNIT}(?:\\s?\\/\\s?${PER_UNIT})?(?![\\p{L}\\d])`, 'u'), (m, ctx) => {
      const [, sign, a, b, joint, u, per] = m;
      if (u === 'm' && joint === '') return undefined;
      const end = m.index + m[0].length;
      const adjective = joint === '-' || (!b && amountNoun(ctx, end, ctx.said) && !/^(?:°|º)/.test(u!));
      const value = b ?? a!;
      const perWords = per ? ` per ${PER[per] ?? unitWords(per, undefined, true)}` : '';
      return `${sign ? 'minus ' : ''}${num(a!)}${b ? ` to ${num(b)}` : ''} ${unitWords(u!, value, adjective)}${perWords}`;
    }),
    rule('measure:per', 'MEASURE', new RegExp(`(${NUM})\\s?\\/\\s?${PER_UNIT}(?![\\p{L}\\d])`, 'u'), (m) => `${num(m[1]!)} per ${PER[m[2]!] ?? unitWords(m[2]!, undefined, true)}`),
    rule('measure:times', 'MEASURE', new RegExp(`(${NUM})x(?![\\p{L}\\d])`, 'u'), (m) => `${num(m[1]!)} times`),

    // ADDRESS: "1428 Elm St." -> "fourteen twenty eight Elm Street".
    rule('address', 'ADDRESS', /(\d{1,5})\s+((?:\p{Lu}\p{Ll}+\s+){1,3})(Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Square)\b(\.)?/u, (m, ctx) => {
      const [, n, names, kind, stop] = m;
      const after = ctx.text.slice(m.index + m[0].length);
      const keep = stop && (/^\s*$/.test(after.slice(0, 200)) || SENTENCE_STARTERS.test(after)) ? '.' : '';
      return `${pairs(n!, style)} ${names}${STREETS[kind!] ?? kind}${keep}`;
    }),

    // ORDINAL, FRACTION.
    rule('ordinal', 'ORDINAL', /(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:st|nd|rd|th|ST|ND|RD|TH)(?![\p{L}\d])/u, (m) => ordinal(m[1]!.replace(/,/g, ''), style)),
    rule('fraction:mixed', 'FRACTION', /(\d+)\s+(\d+)\/(\d+)(?:st|nd|rd|th|s)?(?![\d/])/, (m) => (Number(m[3]) > 1 ? `${cardinal(m[1]!, style)} and ${m[2] === '1' ? `a ${fraction('1', m[3]!).replace(/^one /, '')}` : fraction(m[2]!, m[3]!)}` : undefined)),
    rule('fraction:24-7', 'CARDINAL', /24\/7(?![\d/])/, () => 'twenty four seven'),
    rule('fraction', 'FRACTION', /(\d+)\/(\d+)(?:st|nd|rd|th|s)?(?![\d/])/, (m) => (Number(m[2]) > 1 && Number(m[2]) <= 100 ? fraction(m[1]!, m[2]!) : undefined)),
    rule('fraction:vulgar', 'FRACTION', /(\d+)?\s?([½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])/, (m) => {
      const [n, d] = VULGAR[m[2]!]!;
      const words = n === '1' ? `${d === '2' ? 'a half' : `a ${fraction('1', d).replace(/^one /, '')}`}` : fraction(n, d);
      return m[1] ? `${cardinal(m[1], style)} and ${words}` : n === '1' ? `one ${words.replace(/^a /, '')}` : words;
    }, { anywhere: true }),

    // CARDINAL: scores, ranges, signs, years, plain numbers, digit strings.
    rule('cardinal:score', 'CARDINAL', /(\d{1,2})[-–](\d{1,2})(?![\d\p{L}%])/u, (m, ctx) => {
      const after = ctx.text.slice(m.index + m[0].length, m.index + m[0].length + 20);
      if (!SCORE_BEFORE.test(ctx.said) && !SCORE_AFTER.test(after)) return undefined;
      const side = (s: string) => (s === '0' ? loc.nil : cardinal(s, style));
      return `${side(m[1]!)} ${side(m[2]!)}`;
    }),
    rule('cardinal:range', 'CARDINAL', new RegExp(`(${NUM})\\s?[-–]\\s?(${NUM})(?![\\d\\p{L}]|[-–]\\d)`, 'u'), (m) => {
      // "0028-0836" is an identifier, said digit by digit; "747-400" is a name, not a range: a range goes up.
      if (/^0\d/.test(m[1]!) || /^0\d/.test(m[2]!)) return `${digitWords(m[1]!)}, ${digitWords(m[2]!)}`;
      const [a, b] = [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))];
      return a < b ? `${rangeEnd(m[1]!)} to ${rangeEnd(m[2]!)}` : `${rangeEnd(m[1]!)} ${rangeEnd(m[2]!)}`;
    }),
    // ISBNs, serial and reference numbers: "978-0-19-852663-6", digit by digit in their groups.
    rule('digit:groups', 'DIGIT', /\d+(?:-\d+){2,}(?![\d-])/, (m) => m[0].split('-').map((g) => digitWords(g)).join(', ')),
    rule('cardinal:signed', 'CARDINAL', new RegExp(`([-−+])(${NUM})(?![\\d])`, 'u'), (m, ctx) => (/(?:^|[\s(])$/.test(ctx.said) ? `${m[1] === '+' ? 'plus' : 'minus'} ${num(m[2]!)}` : undefined), { first: /[-−+]/ }),
    rule('verbatim:plus', 'VERBATIM', /\s?\+\s?(?=\d)/, (m, ctx) => (/\d/.test(ctx.text[m.index - 1] ?? '') ? ' plus ' : undefined), { anywhere: true, first: /[\s+]/ }),
    rule('date:year', 'DATE', /(1[1-9]\d\d|20\d\d)(?![\d]|[,.]\d)/, (m) => yr(m[1]!)),
    rule('digit', 'DIGIT', /0\d+(?![\d.,])/, (m) => digitWords(m[0])),
    rule('decimal', 'DECIMAL', /((?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)?\.\d+)/, (m) => decimal(m[1]!, style), { first: /[\d.]/ }),
    rule('cardinal', 'CARDINAL', /(\d{1,3}(?:,\d{3})+(?!\d)|\d+)/, (m) => cardinal(m[1]!, style), { first: /\d/ }),

    // ROMAN numerals: numbered things ("World War II"), then regnal names ("Charles III").
    rule('cardinal:roman', 'CARDINAL', /([IVXLCDM]+)(?![\p{L}\d])/u, (m, ctx) => {
      const value = roman(m[1]!);
      if (!value) return undefined;
      if (NUMBERED.test(ctx.said) && (m[1] !== 'I' || /\b(?:War|Part|Chapter|Volume|Book|Act|Phase|Stage|Section|Title|Tier)\s+$/.test(ctx.said))) return cardinal(value, style);
      const name = /(\p{Lu}\p{Ll}+)\s+$/u.exec(ctx.said)?.[1];
      if (!name || NOT_NAMES.has(name) || value > 39) return undefined;
      if (m[1] === 'I' && !REGNAL_I.has(name)) return undefined;
      if (m[1]!.length === 1 && m[1] !== 'I' && !REGNAL_I.has(name)) return undefined;
      return `the ${ordinal(value)}`;
    }, { first: /[IVXLCDM]/ }),

    // ABBREVIATION: titles, streets, "No. 10", Latin.
    rule('abbreviation:title', 'ABBREVIATION', /(Mrs|Mr|Ms|Dr|Prof|St|Gen|Col|Lt|Sgt|Capt|Rev|Sen|Rep|Gov|Supt|Insp|Cllr|Mt|Ft|Pres|Fr)\.?(?=\s+\p{Lu})/u, (m, ctx) => {
      // "Elm St. It was": a street, and the sentence ends.
      if ((m[1] === 'St' || m[1] === 'Dr') && /\p{Lu}\p{Ll}+\s+$/u.test(ctx.said) && !/\b(?:The|A|In|At|On|To|Of|By|From)\s+$/.test(ctx.said)) return undefined;
      return TITLES[m[1]!]!;
    }),
    rule('abbreviation:street', 'ABBREVIATION', /(St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Pkwy|Hwy|Tce)\b(\.)?/, (m, ctx) => {
      if (!/\p{Lu}[\p{Ll}']+\s+$/u.test(ctx.said)) return undefined;
      const after = ctx.text.slice(m.index + m[0].length);
      return `${STREETS[m[1]!]}${m[2] && (/^\s*$/.test(after.slice(0, 200)) || SENTENCE_STARTERS.test(after)) ? '.' : ''}`;
    }),
    rule('abbreviation:number', 'ABBREVIATION', /(?:No|no|Nos|nos)\.?\s?(?=\d)/, () => 'number '),
    rule('abbreviation:latin', 'ABBREVIATION', /(e\.g\.|i\.e\.|etc\.|vs?\.?|approx\.|Jr\.?|Sr\.?)(,)?(?=\s|$)/, (m, ctx) => {
      const w = m[1]!.toLowerCase();
      if (w.startsWith('e.g')) return 'for example,';
      if (w.startsWith('i.e')) return 'that is,';
      if (w.startsWith('etc')) return /^\s*(?:$|\p{Lu})/u.test(ctx.text.slice(m.index + m[0].length)) ? 'et cetera.' : 'et cetera';
      if (w.startsWith('approx')) return 'approximately';
      if (w.startsWith('jr')) return 'Junior' + (m[2] ?? '');
      if (w.startsWith('sr')) return /\p{L}\s+$/u.test(ctx.said) ? 'Senior' + (m[2] ?? '') : undefined;
      return 'versus';
    }),

    // LETTERS: initials, dotted and all-caps initialisms; headline words.
    rule('letters:initials', 'LETTERS', /(\p{Lu})\.\s?(\p{Lu})\.(?:\s?(\p{Lu})\.)?(?=\s+\p{Lu}\p{Ll})/u, (m) => [m[1], m[2], m[3]].filter(Boolean).join('.')),
    rule('letters:dotted', 'LETTERS', /((?:\p{Lu}\.){2,})/u, (m) => letters(m[1]!)),
    rule('letters', 'LETTERS', /(\p{Lu}{2,})('s|’s|s)?(?![\p{L}\d])/u, (m, ctx) => {
      const [, caps, suffix] = m;
      if (ACRONYM_WORDS.has(caps!)) return undefined;
      if (isHeadline(ctx.text)) {
        if (CAPS_WORDS.has(caps!) || isEnglishWord(caps! + (suffix ?? ''))) return m[0].toLowerCase();
        // A name the dictionary does not know ("IRAN"): eSpeak's own judgement, word or letters.
        if (caps!.length >= 4) return undefined;
      } else {
        if (CAPS_WORDS.has(caps!) && /\p{Lu}{2,}\s+$/u.test(ctx.text.slice(Math.max(0, m.index - 12), m.index))) return m[0].toLowerCase();
        if (caps!.length >= 4 && isEnglishWord(caps!)) return m[0].toLowerCase();
      }
      // With a suffix ("MPs", "the US's") eSpeak spells the compact form itself.
      return suffix ? undefined : letters(caps!);
    }, { first: /\p{Lu}/u }),
  ];
  // Where a rule can start, so the scanner skips it cheaply elsewhere.
  for (const r of rules) r.first ??= FIRST[r.name] ?? (/^(?:cardinal|date|time|measure|fraction|ordinal|digit|address|money:pence)/.test(r.name) && !/^date:(?:day-month|month|weekday)/.test(r.name) ? /\d/ : undefined);
  return rules;

  /** One end of a range. */
  function rangeEnd(s: string): string {
    return num(s);
  }
}

let lastText = '';
let lastHeadline = false;
/** Mostly capitals: a headline or a shout, whose words are words. */
function isHeadline(text: string): boolean {
  if (text === lastText) return lastHeadline;
  const words = text.match(/\p{L}+/gu) ?? [];
  const caps = words.filter((w) => w.length > 1 && w === w.toUpperCase()).length;
  lastText = text;
  lastHeadline = caps >= 3 && caps >= 0.6 * words.filter((w) => w.length > 1).length;
  return lastHeadline;
}

/** Commas and spaces left over from removed symbols. */
function tidy(text: string): string {
  return text
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(/,(\s*,)+/g, ',')
    .replace(/^[\s,]+/, '')
    .replace(/,\s*([.;:!?])/g, '$1')
    .replace(/([.;:!?])\s*,/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/,$/, '');
}

export function englishFor(lang: string): ExplainedNormaliser {
  const rules = englishRules(localeOf(lang));
  return {
    explain(text: string) {
      // Clean first too: an emoji or a soft hyphen inside "2.3👍bn" must not hide it from the rules.
      const cleaned = universalClean(text);
      const { text: said, changes } = scan(cleaned, rules);
      let out = tidy(universalClean(said));
      // An abbreviation at the end ("24 Nov.") may have taken the sentence's full stop with it.
      if (/[.!?]["'”’)\]]*$/.test(text.trim()) && out && !/[.!?…]$/.test(out)) out += '.';
      return { text: out, changes };
    },
    normalise(text: string) {
      return this.explain(text).text;
    },
  };
}

export { cardinal, ordinalOf };
