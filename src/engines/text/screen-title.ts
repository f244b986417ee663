/**
 * What a screen is called, from its OCR: the line a person would read as its title.
 * Screens say their title more than once and in larger type: a web page's title is in
 * its tab, in its header and in its h1; a window's in its title bar; a slide's and a
 * spreadsheet's title row are set larger than the rest. So each short line near the
 * top is scored by
 *   - being repeated on the screen (another line starts with it or contains it: the tab
 *     shows the title cut short), or being a window's title bar (apps.ts),
 *   - being set clearly larger than the screen's running text (word box heights),
 *   - having words the other screens of the recording do not (a menu bar or a toolbar
 *     is on every screen and names none of them),
 *   - coming early (titles come first);
 * a line neither repeated nor larger is never the title.
 * A screen with no line that stands out (a terminal, a code editor: one size, nothing
 * repeated) has no title here, and its chapter is named by its keyphrases instead.
 */
import { detectApp } from './apps.js';

export interface PlacedWord {
  text: string;
  confidence: number;
  box: { x: number; y: number; width: number; height: number };
}

interface Line {
  text: string;
  tokens: string[];
  /** Type size estimate from the words' boxes; 0 when unknown. */
  size: number;
  /** Each word's size estimate. */
  sizes: number[];
  confidence: number;
}

const MIN_TOKENS = 1;
const MAX_TOKENS = 10;
const LARGER = 1.3;
/** A line needs this much evidence beyond coming first. */
const MIN_SCORE = 0.8;
const MAX_CHARS = 80;
/** detectApp's confidence for a window-title match (apps.ts). */
const TITLE_BAR = 0.9;

const tokensOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

export interface TitleCandidate {
  text: string;
  score: number;
  repeated: boolean;
  larger: boolean;
  own: number;
}

export function screenTitle(
  screen: { text: string; words?: readonly PlacedWord[] | null | undefined },
  /** Words of the recording's other screens. */
  elsewhere: ReadonlySet<string>,
): string | null {
  const best = titleCandidates(screen, elsewhere).reduce<TitleCandidate | undefined>(
    (b, c) => (!b || c.score > b.score ? c : b),
    undefined,
  );
  if (best && best.score >= MIN_SCORE) return tidy(best.text);
  return fileName(screen.text);
}

/** Source and document files an editor names in its tab, title bar and messages. */
const FILE_NAME =
  /(?<![\w.-])[\w-]+\.(?:py|ts|tsx|js|jsx|mjs|go|rs|java|kt|c|h|cc|cpp|hpp|cs|rb|php|swift|sh|sql|md|txt|json|ya?ml|toml|html?|css|xml|ipynb|tex|csv)(?![\w.])/gi;

/**
 * A screen with no title line (an editor: one type size): the file it names most often
 * (its tab, title bar and status), if it names one at least twice and more often than any other.
 */
function fileName(text: string): string | null {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(FILE_NAME)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  const [first, second] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  // Several files named as often (every tab of an editor) do not say which one is shown.
  if (!first || first[1] < 2 || (second && second[1] === first[1])) return null;
  return first[0];
}

/** Every line that could be the title, scored (see the top of this file). */
export function titleCandidates(
  screen: { text: string; words?: readonly PlacedWord[] | null | undefined },
  elsewhere: ReadonlySet<string>,
): TitleCandidate[] {
  const lines = screen.words?.length ? linesFromWords(screen.words) : linesFromText(screen.text);
  // The running text's size: the median over words, so a few big lines cannot pull it up.
  const typical = median(lines.flatMap((l) => l.sizes));
  const out: TitleCandidate[] = [];
  lines.forEach((line, i) => {
    const letters = line.text.match(/\p{L}/gu)?.length ?? 0;
    if (line.tokens.length < MIN_TOKENS || line.tokens.length > MAX_TOKENS || letters < 4) return;
    if (letters / line.text.replace(/\s/g, '').length < 0.6 || line.confidence < 0.6) return;
    if (/[a-z0-9]\.[a-z]{2,}\//i.test(line.text) || /\/\//.test(line.text)) return; // an address
    const content = line.tokens.filter((t) => t.length >= 3 && /\p{L}/u.test(t));
    // One word said again proves little: it is in the running text anyway.
    const repeated = content.length >= 2 && lines.some((o, j) => j !== i && echoes(o.tokens, line.tokens));
    // Box heights are noisy (underlines, cell borders): a large line must also be read surely.
    const larger = typical > 0 && line.size >= typical * LARGER && line.confidence >= 0.8;
    const own = content.length
      ? (content.filter((t) => !elsewhere.has(t)).length / content.length) * Math.min(1, content.length / 2)
      : 0;
    // A window's title bar ("Q3 Report - Google Sheets — Mozilla Firefox") names its screen too.
    const titleBar = (detectApp(line.text)?.confidence ?? 0) >= TITLE_BAR;
    // Distinctive words alone do not make a title: any odd line has those.
    if (!repeated && !larger && !titleBar) return;
    const score = (repeated || titleBar ? 1 : 0) + (larger ? 1.5 : 0) + own - (0.5 * i) / lines.length;
    out.push({ text: line.text, score, repeated, larger, own });
  });
  return out;
}

/** Without the tab's close button, the icons and the stray marks OCR reads around a title. */
function tidy(line: string): string | null {
  const parts = line.split(/\s+/);
  const stray = (t: string | undefined) =>
    t !== undefined && (t.length === 1 ? !/\d/.test(t) : !/[\p{L}\p{N}]/u.test(t));
  while (stray(parts[0])) parts.shift();
  while (stray(parts.at(-1))) parts.pop();
  let text = parts
    .join(' ')
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N})]+$/gu, '')
    .trim();
  // A window title names its application last ("Q3 Report - Google Sheets — Mozilla Firefox"): the screen is the rest.
  const app = detectApp(text);
  if (app && app.confidence >= TITLE_BAR) text = text.replace(/\s+[-—–~|·]\s*[^-—–~|·]+$/, '').trim() || text;
  return text ? text.slice(0, MAX_CHARS) : null;
}

/** `other` says `line` again: it contains the line's words in order, or is their start cut short (a tab). */
function echoes(other: string[], line: string[]): boolean {
  if (line.length === 0 || other.length === 0) return false;
  const joined = ` ${other.join(' ')} `;
  if (joined.includes(` ${line.join(' ')} `)) return true;
  // A tab or a title bar cuts the title short: "chapter 1 gnu linux tus" for "… tutorials".
  const n = Math.min(line.length, other.length);
  if (n < 2) return false;
  let same = 0;
  while (same < n && other[same] === line[same]) same++;
  return same >= 2 && same >= n - 1 && other.length <= line.length;
}

function linesFromText(text: string): Line[] {
  return text
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => ({ text: t, tokens: tokensOf(t), size: 0, sizes: [], confidence: 1 }));
}

/** Words in Tesseract's reading order, broken into lines where one ends and the next begins. */
function linesFromWords(words: readonly PlacedWord[]): Line[] {
  const groups: PlacedWord[][] = [];
  let cur: PlacedWord[] | undefined;
  let top = 0;
  let bottom = 0;
  let lastRight = -Infinity;
  for (const w of words) {
    if (!w.text.trim()) continue;
    const centre = w.box.y + w.box.height / 2;
    if (!cur || centre < top || centre > bottom || w.box.x < lastRight - 2) {
      cur = [];
      groups.push(cur);
      top = w.box.y;
      bottom = w.box.y + w.box.height;
    }
    cur.push(w);
    top = Math.min(top, w.box.y);
    bottom = Math.max(bottom, w.box.y + w.box.height);
    lastRight = w.box.x + w.box.width;
  }
  return groups.map((g) => {
    const text = g.map((w) => w.text).join(' ');
    const sizes = g.filter((w) => /\p{L}{2,}/u.test(w.text)).map(capHeight);
    return {
      text,
      tokens: tokensOf(text),
      size: median(sizes),
      sizes,
      confidence: g.reduce((s, w) => s + w.confidence, 0) / g.length,
    };
  });
}

/**
 * A word box's height depends on its letters, so "Types" and "query" differ at the same
 * size: a box with a capital or an ascender and no descender is the type size, others
 * are scaled towards it.
 */
function capHeight(w: PlacedWord): number {
  const descends = /[gjpqy,;]/.test(w.text);
  const rises = /[A-Zbdfhklt0-9]/.test(w.text);
  const h = w.box.height;
  if (rises && !descends) return h;
  if (rises && descends) return h / 1.25;
  if (!rises && descends) return h / 1.05;
  return h * 1.35;
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
