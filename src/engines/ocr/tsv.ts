import type { OcrBox, OcrLine, OcrResult, OcrWord } from './port.js';

/**
 * Tesseract's TSV output → OcrResult. Both adapters ask for TSV (the CLI's `tsv` config,
 * tesseract.js's `tsv: true` output) so there is one parser and both engines report
 * identical structures.
 *
 * Columns: level page_num block_num par_num line_num word_num left top width height conf text
 * Levels: 1 page, 2 block, 3 paragraph, 4 line, 5 word. Only words carry a confidence
 * (others say -1). In list mode the CLI numbers pages 1, 2, … one per input image.
 */

interface Row {
  level: number;
  page: number;
  block: number;
  par: number;
  line: number;
  box: OcrBox;
  conf: number;
  text: string;
}

function parseRow(line: string): Row | undefined {
  const cols = line.split('\t');
  if (cols.length < 11) return undefined;
  const n = cols.slice(0, 11).map(Number);
  if (n.some((v) => !Number.isFinite(v))) return undefined; // the header line
  const [level = 0, page = 0, block = 0, par = 0, lineNo = 0, , x = 0, y = 0, w = 0, h = 0, conf = -1] = n;
  return {
    level,
    page,
    block,
    par,
    line: lineNo,
    box: { x, y, w, h },
    conf,
    text: cols.slice(11).join('\t'),
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function union(boxes: OcrBox[]): OcrBox {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const r = Math.max(...boxes.map((b) => b.x + b.w));
  const btm = Math.max(...boxes.map((b) => b.y + b.h));
  return { x, y, w: r - x, h: btm - y };
}

interface PageAcc {
  width: number;
  height: number;
  lineBoxes: Map<string, OcrBox>;
  lines: Map<string, { block: number; words: OcrWord[] }>;
}

/** Parses a TSV document into one result per page number (1-based); pages without text are present but empty. */
export function parseTesseractTsv(tsv: string): Map<number, Omit<OcrResult, 'duration_ms'>> {
  const pages = new Map<number, PageAcc>();
  const pageOf = (n: number) => {
    let p = pages.get(n);
    if (!p) {
      p = { width: 0, height: 0, lineBoxes: new Map(), lines: new Map() };
      pages.set(n, p);
    }
    return p;
  };
  for (const raw of tsv.split('\n')) {
    const row = parseRow(raw.replace(/\r$/, ''));
    if (!row) continue;
    const page = pageOf(row.page);
    const key = `${row.block}.${row.par}.${row.line}`;
    if (row.level === 1) {
      page.width = row.box.w;
      page.height = row.box.h;
    } else if (row.level === 4) {
      page.lineBoxes.set(key, row.box);
    } else if (row.level === 5) {
      const text = row.text.trim();
      if (!text || row.conf < 0) continue;
      let line = page.lines.get(key);
      if (!line) {
        line = { block: row.block, words: [] };
        page.lines.set(key, line);
      }
      line.words.push({ text, confidence: round3(row.conf / 100), box: row.box });
    }
  }

  const out = new Map<number, Omit<OcrResult, 'duration_ms'>>();
  for (const [n, page] of pages) {
    const lines: OcrLine[] = [];
    const parts: string[] = [];
    let prevBlock: number | undefined;
    // Map iteration keeps Tesseract's reading order.
    for (const [key, { block, words }] of page.lines) {
      const text = words.map((w) => w.text).join(' ');
      lines.push({
        text,
        confidence: round3(mean(words.map((w) => w.confidence))),
        box: page.lineBoxes.get(key) ?? union(words.map((w) => w.box)),
        words,
      });
      if (prevBlock !== undefined && block !== prevBlock) parts.push('');
      parts.push(text);
      prevBlock = block;
    }
    const all = lines.flatMap((l) => l.words.map((w) => w.confidence));
    out.set(n, {
      text: parts.join('\n'),
      confidence: round3(mean(all)),
      lines,
      width: page.width,
      height: page.height,
    });
  }
  return out;
}
