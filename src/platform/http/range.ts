/**
 * HTTP `Range: bytes=…` (RFC 9110 §14) for one range. Anything else (other units,
 * several ranges, bad syntax) is ignored, as the RFC allows: the whole blob is sent.
 */
export type RangeRequest = { kind: 'from'; start: number; end?: number } | { kind: 'suffix'; length: number };

const DIGITS = /^\d{1,15}$/;

export function parseRange(header: string | undefined): RangeRequest | null {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null;
  const [, first = '', last = ''] = m;
  if (first === '') {
    if (!DIGITS.test(last)) return null;
    return { kind: 'suffix', length: Number(last) };
  }
  if (!DIGITS.test(first)) return null;
  const start = Number(first);
  if (last === '') return { kind: 'from', start };
  if (!DIGITS.test(last)) return null;
  const end = Number(last);
  // "bytes=5-2" is syntactically invalid: ignored, not unsatisfiable.
  return end < start ? null : { kind: 'from', start, end };
}

/**
 * The inclusive byte range to send for a blob of `size` bytes, or null when the range
 * cannot be satisfied (416): a start at or past the end, or a zero-length suffix.
 */
export function resolveRange(range: RangeRequest, size: number): { start: number; end: number } | null {
  if (range.kind === 'suffix') {
    if (range.length === 0 || size === 0) return null;
    return { start: Math.max(0, size - range.length), end: size - 1 };
  }
  if (range.start >= size) return null;
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
