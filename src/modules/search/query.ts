/**
 * Turns what a person typed into search terms. Only runs of letters, digits and
 * combining marks survive, and they reach SQL as bound parameters, so operators people
 * type by habit (`"`, `*`, `-`, `:`, `NEAR(`, `AND`) are plain words or separators,
 * never errors.
 *
 * Terms are OR-ed: documents are single moments (one transcript segment, one screen),
 * so demanding every word in one of them would miss most natural-language queries;
 * BM25 scoring already ranks documents with more of the terms first.
 */
export interface SearchTerms {
  /** Lower-cased words in query order, without duplicates. */
  terms: string[];
  /** Whether the last term also matches as a prefix (the user may still be typing it). */
  prefixLast: boolean;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MAX_TERMS = 32;
/** Prefixes shorter than this would expand to a large part of the vocabulary. */
const MIN_PREFIX = 3;

/**
 * Function words that carry no topic. Dropped only when other words remain, so a query
 * made of them alone ("the who") is still searched as typed.
 */
const STOPWORDS = new Set(
  (
    'a an and are as at be but by did do does for from had has have how i if in is it its me my of on or ' +
    'our so than that the their them then there these they this to us was we were what when where which ' +
    'who why will with you your'
  )
    .split(' ')
    .filter(Boolean),
);

const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export function words(text: string): string[] {
  return (text.normalize('NFC').toLowerCase().match(WORD) ?? []).filter((w) => HAS_LETTER_OR_DIGIT.test(w));
}

/** Undefined when the query has no word to search for (only punctuation or spaces). */
export function parseQuery(raw: string): SearchTerms | undefined {
  const all = [...new Set(words(raw))];
  if (all.length === 0) return undefined;
  const content = all.filter((w) => !STOPWORDS.has(w));
  const terms = (content.length ? content : all).slice(0, MAX_TERMS);
  const last = terms[terms.length - 1]!;
  // A query ending in a space or punctuation was finished by the user.
  const typedLast = /[\p{L}\p{N}\p{M}]$/u.test(raw.normalize('NFC'));
  const endsWithLast = words(raw).at(-1) === last;
  return { terms, prefixLast: typedLast && endsWithLast && last.length >= MIN_PREFIX };
}
