/**
 * Sentence splitting for transcripts and screen text. A boundary is terminal
 * punctuation followed by space and something that can start a sentence, or a line
 * break; known abbreviations, initials, decimals and dotted names (example.com,
 * v1.2) are not boundaries.
 */
const ABBREVIATIONS = new Set(
  'mr mrs ms dr prof sr jr st vs etc e.g i.e eg ie inc ltd co corp approx dept est fig no vol jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun am pm a.m p.m u.s u.k'.split(
    ' ',
  ),
);

export interface SentenceSpan {
  text: string;
  /** Offset of the first character in the input. */
  offset: number;
}

export function splitSentences(text: string): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body) out.push({ text: body.replace(/\s+/g, ' '), offset: start + lead });
  };
  const boundary = /([.!?…]+)(["'”’)\]]*)(\s+)(?=["'“‘([]?[\p{Lu}\p{N}])|\n\s*\n|\n(?=\s*[-•*\d\p{Lu}])/gu;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    if (m[1] === '.' && isAbbreviation(text.slice(start, m.index))) continue;
    push(m.index + (m[1]?.length ?? 0) + (m[2]?.length ?? 0));
    start = m.index + m[0].length;
  }
  push(text.length);
  return out;
}

function isAbbreviation(before: string): boolean {
  const last = /(\S+)$/.exec(before)?.[1]?.toLowerCase() ?? '';
  const bare = last.replace(/^[("'“]+/, '');
  if (ABBREVIATIONS.has(bare)) return true;
  // Single initials ("J. Smith") are not sentence ends.
  return /^\p{L}$/u.test(bare);
}

/** Ends with a full stop, question or exclamation mark (ignoring closing quotes). */
export function endsSentence(text: string): boolean {
  return /[.!?…]["'”’)\]]*\s*$/.test(text);
}
