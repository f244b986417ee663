import { isStopword } from './stopwords.js';

/**
 * Words for the statistics in this folder: lower-cased, apostrophes and hyphens kept
 * inside words ("don't", "on-call"), digits allowed, everything else a separator.
 */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+(?:['’][\p{L}]+|-[\p{L}\p{N}]+)*/gu) ?? []
  ).map((w) => w.replace(/’/g, "'"));
}

/** Content words: not stopwords, at least two letters, not a bare number. */
export function contentWords(text: string): string[] {
  return words(text).filter(isContentWord);
}

export function isContentWord(w: string): boolean {
  return w.length >= 2 && !isStopword(w) && !/^\d+$/.test(w) && /\p{L}/u.test(w);
}

/**
 * A light suffix stripper so "reports"/"report" and "meetings"/"meeting" count as
 * one term. Deliberately gentler than Porter: the stems are also shown to people as
 * tags (via the most frequent surface form), so they must stay readable.
 */
export function stem(word: string): string {
  let w = word.replace(/'s$/, '');
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ches|shes|sses|xes|zes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed')) w = w.slice(0, -2);
  // "release"/"released", "price"/"pricing" meet at "releas", "pric".
  if (w.length > 4 && w.endsWith('e') && !w.endsWith('ee')) w = w.slice(0, -1);
  return w;
}

/** Stemmed content words: the unit of every similarity measure here. */
export function terms(text: string): string[] {
  return contentWords(text).map(stem);
}
