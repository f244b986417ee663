import type { SearchTerms } from './query.js';

/**
 * Snippets are cut in application code, the same way for SQLite and PostgreSQL, so a
 * client sees one format whatever the database: plain text (never HTML), whitespace
 * collapsed, at most `maxChars` long, `…` where text was cut, and every word that
 * matched the query wrapped in `«` and `»`. Matching folds case and diacritics like
 * the index does (`cafe` marks `Café`).
 */
export const MARK_OPEN = '«';
export const MARK_CLOSE = '»';

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** Context kept before the first match of the chosen window. */
const LEAD = 40;

export const fold = (word: string): string =>
  word
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();

interface Match {
  start: number;
  end: number;
}

function matchesIn(text: string, query: SearchTerms): Match[] {
  const exact = new Set(query.terms.map(fold));
  const prefix = query.prefixLast ? fold(query.terms[query.terms.length - 1]!) : undefined;
  const out: Match[] = [];
  for (const m of text.matchAll(WORD)) {
    const w = fold(m[0]);
    if (exact.has(w) || (prefix !== undefined && w.startsWith(prefix))) {
      out.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

/** The start of the window of `size` characters that holds the most matches. */
function bestWindow(matches: Match[], size: number): number {
  let best = matches[0]!.start;
  let bestCount = 0;
  for (let i = 0, j = 0; i < matches.length; i++) {
    while (j < matches.length && matches[j]!.end <= matches[i]!.start + size - LEAD) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = matches[i]!.start;
    }
  }
  return Math.max(0, best - LEAD);
}

export function snippet(raw: string, query: SearchTerms | undefined, maxChars = 200): string {
  const text = raw.replace(/\s+/g, ' ').trim();
  const matches = query ? matchesIn(text, query) : [];
  let start = 0;
  let end = Math.min(text.length, maxChars);
  if (text.length > maxChars) {
    if (matches.length) start = bestWindow(matches, maxChars);
    // Cuts move back to a space nearby, so no word is shown half.
    const before = start > 0 ? text.lastIndexOf(' ', start) : -1;
    if (before >= 0 && start - before < 16) start = before + 1;
    end = Math.min(text.length, start + maxChars);
    const last = end < text.length ? text.lastIndexOf(' ', end) : -1;
    if (last > start + maxChars / 2) end = last;
  }
  let out = '';
  let at = start;
  for (const m of matches) {
    if (m.start < start || m.end > end) continue;
    out += text.slice(at, m.start) + MARK_OPEN + text.slice(m.start, m.end) + MARK_CLOSE;
    at = m.end;
  }
  out += text.slice(at, end);
  return `${start > 0 ? '…' : ''}${out.trim()}${end < text.length ? '…' : ''}`;
}
