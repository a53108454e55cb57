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
}

const LABELS: Record<string, Labels> = {
  en: { by: 'By', in: 'in', and: 'and', image: 'Image', photo: 'Photo', copyright: 'Copyright', pullQuote: 'Pull quote' },
  fr: { by: 'Par', in: 'à', and: 'et', image: 'Image', photo: 'Photo', copyright: 'Copyright', pullQuote: 'Exergue' },
  de: { by: 'Von', in: 'in', and: 'und', image: 'Bild', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Zitat' },
  es: { by: 'Por', in: 'en', and: 'y', image: 'Imagen', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Cita destacada' },
  it: { by: 'Di', in: 'a', and: 'e', image: 'Immagine', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Citazione' },
  pt: { by: 'Por', in: 'em', and: 'e', image: 'Imagem', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Destaque' },
  nl: { by: 'Door', in: 'in', and: 'en', image: 'Afbeelding', photo: 'Foto', copyright: 'Copyright', pullQuote: 'Citaat' },
};

export function labelsFor(lang: string): Labels {
  return LABELS[lang.toLowerCase().split('-')[0]!] ?? LABELS['en']!;
}
