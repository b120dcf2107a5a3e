/**
 * Is a message English? The text model reads English only, so other languages get
 * `flags: ['language-unsupported']` and low confidence instead of a confident English guess.
 *
 * A small statistical detector: the share of letters outside basic Latin (other scripts), letters
 * typical of other Latin-script languages (ñ, ß, ø, ł, ş, …), and hits of each language's most
 * frequent function words (top stop words of 15 languages; a word counts for every language whose
 * list holds it). English wins unless another language has clearly more evidence.
 */
import type { Token } from './features.js';

const LANGS = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'sv', 'da', 'no', 'fi', 'pl', 'tr', 'id', 'ro'] as const;
export type LanguageCode = (typeof LANGS)[number];

const STOP: Record<LanguageCode, string> = {
  en: "the and to of a i it is you that in my for was this have not with be on me but are so they what at we do can just your if all he she there about would will get like don't i'm it's please thanks thank hi hello no yes an or as by from up out one has had were been our us his her them their who when where why how which than then too very here still again never also only some any more most ok okay hey im dont cant didn't can't won't isn't doesn't i've you're that's what's lol pls sorry time now order refund hour help neither either", // prettier-ignore
  es: 'el la los las de que y en un una es por con para no se lo como más pero sus le ya o porque muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros os mío mía tuyo suyo nuestro está estoy gracias hola pedido cuando', // prettier-ignore
  fr: "le la les de des du un une et est en que qui dans pour pas sur au aux avec ce cette il elle ils nous vous je tu ne se plus par mais ou son sa ses leur été être avoir fait comme tout bien mon ma mes ton ta très aussi merci bonjour c'est j'ai n'est toujours commande", // prettier-ignore
  de: 'der die das und ist nicht ich du er sie es wir ihr ein eine einen dem den des mit von zu auf für im in ist war sind auch noch nur aber wie wenn oder schon mein meine dein kein keine bitte danke hallo habe hat bei aus nach über mir mich dich sehr immer bestellung', // prettier-ignore
  it: "il lo la i gli le di che e è un una per non con su del della dei delle al alla sono ho hai ha questo questa mi ti ci si ma come anche più molto grazie ciao sempre ancora perché mio mia", // prettier-ignore
  pt: 'o a os as de do da dos das que e é um uma para com não em no na nos nas por mais mas foi ser ter como seu sua meu minha você eu ele ela isso este esta obrigado obrigada olá muito também ainda já pedido', // prettier-ignore
  nl: 'de het een en van ik je is dat niet op te in met voor zijn er maar ook als bij aan nog wat dan hij zij we wij mijn jouw geen heb heeft dit deze om naar uit wel dank bedankt hallo altijd', // prettier-ignore
  sv: 'och att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan man när år säga hon nu under hade mitt min din tack hej också', // prettier-ignore
  da: 'og i at det er en til på som de med han af for ikke der var mig sig men et har om vi min havde hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her tak hej også', // prettier-ignore
  no: 'og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal takk hei også', // prettier-ignore
  fi: 'ja on ei se että hän oli ole olen ovat mutta kun niin mitä kuin tai jos minä sinä me te he tämä tuo mikä myös vain vielä nyt sitten kiitos hei minun sinun', // prettier-ignore
  pl: 'i w nie na się z do to że jest co jak ale o tak za od po jego jej już mnie mi ty ja my wy oni tylko czy dla ten ta te być bardzo dziękuję cześć jeszcze', // prettier-ignore
  tr: 've bir bu da de için ile ne çok ben sen o biz siz onlar mi mı mu mü değil var yok ama gibi daha en kadar sonra şey teşekkür merhaba lütfen hala', // prettier-ignore
  id: 'dan yang di ke dari ini itu dengan untuk tidak ada saya kamu dia kami kita mereka akan sudah belum juga atau tapi karena bisa terima kasih halo masih', // prettier-ignore
  ro: 'și în de la nu este că cu pe un o mai din pentru care sunt se ce am ai a fost dar sau eu tu el ea noi voi ei foarte mulțumesc bună încă', // prettier-ignore
};

/** word → bit mask of the languages whose list holds it. */
const WORD_LANGS = new Map<string, number>();
LANGS.forEach((l, i) => {
  for (const w of STOP[l].split(' ')) if (w) WORD_LANGS.set(w, (WORD_LANGS.get(w) ?? 0) | (1 << i));
});
/** Letters that English text practically never has, per language family (evidence for "not English"). */
const FOREIGN_LETTERS = /[ñ¿¡ßäöüøåæłśźżćńąęşğıçãõœàèìòùâêîôûëïÿőű]/giu;

export interface LanguageGuess {
  /** Best guess among the 15 languages with stop-word lists, or 'other' (another script or too little evidence). */
  language: LanguageCode | 'other';
  /** English is not the best guess: the model's reading is unreliable. */
  unsupported: boolean;
  /** Stop-word hits of the best guess and of English. */
  hits: number;
  englishHits: number;
}

/**
 * Guess the language of a tokenised message. `latinShare` is the share of letters that are basic
 * Latin a–z (features.ts computes it). One- and two-word messages are only flagged for another script.
 */
export function guessLanguage(tokens: Token[], letters: number, latinShare: number, text: string): LanguageGuess {
  const hits = new Array<number>(LANGS.length).fill(0);
  let words = 0;
  for (const t of tokens) {
    if (t.kind !== 'word') continue;
    words++;
    const m = WORD_LANGS.get(t.norm);
    if (m) for (let i = 0; i < LANGS.length; i++) if (m & (1 << i)) hits[i]++;
  }
  // another script: most letters outside a–z and not explained by accents
  if (letters >= 4 && latinShare < 0.5) return { language: 'other', unsupported: true, hits: 0, englishHits: hits[0] };
  let best = 0;
  for (let i = 1; i < LANGS.length; i++) if (hits[i] > hits[best]) best = i;
  const foreign = letters >= 4 ? (text.match(FOREIGN_LETTERS)?.length ?? 0) : 0;
  if (words < 3) return { language: foreign >= 2 ? 'other' : 'en', unsupported: foreign >= 2 && hits[0] === 0, hits: hits[best], englishHits: hits[0] };
  const en = hits[0];
  // another language needs more stop-word hits than English (accented letters count as half a hit each)
  const other = best === 0 ? 0 : hits[best] + Math.min(foreign, 4) * 0.5;
  const unsupported = best !== 0 && other >= 2 && other > en * 1.25 + 0.5;
  // no stop word of any language and few known words: a signal callers combine with vocabulary coverage
  return { language: unsupported ? LANGS[best] : en > 0 ? 'en' : 'other', unsupported, hits: hits[best], englishHits: en };
}
