/**
 * The few words lectern adds to an article, in the article's language: the byline ("By A,
 * in B"), figure announcements and the copyright line in the narration, navigation labels.
 * Languages without an entry use English.
 */
export interface Labels {
  by: string;
  in: string;
  and: string;
  image: string;
  photo: string;
  copyright: string;
  pullQuote: string;
  /** "Code block, 12 lines." */
  code: (lines: number) => string;
  /** "Table: <caption>. 3 rows." / "Table, 3 rows." */
  table: (rows: number, caption?: string) => string;
  /** "Row" as in "Row 1: Country, France; ...". */
  row: string;
}

const pl = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const cap = (caption: string | undefined) => (caption ? caption.replace(/[.:;,]\s*$/, '') : undefined);

const LABELS: Record<string, Labels> = {
  en: { by: 'By', in: 'in', and: 'and', image: 'Image', photo: 'Photo', copyright: 'Copyright', pullQuote: 'Pull quote', code: (n) => `Code block, ${pl(n, 'line', 'lines')}.`, table: (n, c) => (cap(c) ? `Table: ${cap(c)}. ${pl(n, 'row', 'rows')}.` : `Table, ${pl(n, 'row', 'rows')}.`), row: 'Row' },
  fr: { by: 'Par', in: 'à', and: 'et', image: 'Image', photo: 'Photo', copyright: 'Copyright', pullQuote: 'Exergue', code: (n) => `Bloc de code, ${pl(n, 'ligne', 'lignes')}.`, table: (n, c) => (cap(c) ? `Tableau: ${cap(c)}. ${pl(n, 'ligne', 'lignes')}.` : `Tableau, ${pl(n, 'ligne', 'lignes')}.`), row: 'Ligne' },
  de: { by: 'Von', in: 'in', and: 'und', image: 'Bild', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Zitat', code: (n) => `Codeblock, ${pl(n, 'Zeile', 'Zeilen')}.`, table: (n, c) => (cap(c) ? `Tabelle: ${cap(c)}. ${pl(n, 'Zeile', 'Zeilen')}.` : `Tabelle, ${pl(n, 'Zeile', 'Zeilen')}.`), row: 'Zeile' },
  es: { by: 'Por', in: 'en', and: 'y', image: 'Imagen', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Cita destacada', code: (n) => `Bloque de código, ${pl(n, 'línea', 'líneas')}.`, table: (n, c) => (cap(c) ? `Tabla: ${cap(c)}. ${pl(n, 'fila', 'filas')}.` : `Tabla, ${pl(n, 'fila', 'filas')}.`), row: 'Fila' },
  it: { by: 'Di', in: 'a', and: 'e', image: 'Immagine', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Citazione', code: (n) => `Blocco di codice, ${pl(n, 'riga', 'righe')}.`, table: (n, c) => (cap(c) ? `Tabella: ${cap(c)}. ${pl(n, 'riga', 'righe')}.` : `Tabella, ${pl(n, 'riga', 'righe')}.`), row: 'Riga' },
  pt: { by: 'Por', in: 'em', and: 'e', image: 'Imagem', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Destaque', code: (n) => `Bloco de código, ${pl(n, 'linha', 'linhas')}.`, table: (n, c) => (cap(c) ? `Tabela: ${cap(c)}. ${pl(n, 'linha', 'linhas')}.` : `Tabela, ${pl(n, 'linha', 'linhas')}.`), row: 'Linha' },
  nl: { by: 'Door', in: 'in', and: 'en', image: 'Afbeelding', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Citaat', code: (n) => `Codeblok, ${pl(n, 'regel', 'regels')}.`, table: (n, c) => (cap(c) ? `Tabel: ${cap(c)}. ${pl(n, 'rij', 'rijen')}.` : `Tabel, ${pl(n, 'rij', 'rijen')}.`), row: 'Rij' },
};

export function labelsFor(lang: string): Labels {
  return LABELS[lang.toLowerCase().split('-')[0]!] ?? LABELS['en']!;
}
