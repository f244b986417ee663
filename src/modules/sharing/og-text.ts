import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import opentype, { type Font, type Glyph, type PathCommand } from 'opentype.js';

/**
 * Text for the Open Graph image as SVG outlines. The image is rasterised by sharp
 * (librsvg), which draws `<text>` only with fonts installed on the machine, and a
 * server may have none: drawing glyph outlines from a font shipped on npm (Inter, OFL)
 * makes the title look the same everywhere. Inter comes split in per-script subsets;
 * each character takes the first subset that has it.
 */
const SUBSETS = ['latin', 'latin-ext', 'cyrillic', 'cyrillic-ext', 'greek', 'greek-ext', 'vietnamese'];
export type Weight = 400 | 700;

const require = createRequire(import.meta.url);
const loaded = new Map<Weight, Promise<GlyphSet>>();

export function glyphSet(weight: Weight): Promise<GlyphSet> {
  let set = loaded.get(weight);
  if (!set) {
    set = (async () => {
      const fonts = await Promise.all(
        SUBSETS.map(async (subset) => {
          const file = require.resolve(`@fontsource/inter/files/inter-${subset}-${weight}-normal.woff`);
          const buf = await readFile(file);
          return opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        }),
      );
      return new GlyphSet(fonts);
    })();
    // A failed load (broken install) must not stick: the next image tries again.
    set.catch(() => loaded.delete(weight));
    loaded.set(weight, set);
  }
  return set;
}

interface Placed {
  font: Font;
  glyph: Glyph;
}

export interface TextLine {
  /** SVG path data of the line, its baseline at y = 0 and starting at x = 0. */
  d: string;
  width: number;
}

export class GlyphSet {
  constructor(private readonly fonts: Font[]) {}

  /** Line height for `size`, from the primary font's ascender and descender. */
  lineHeight(size: number): number {
    const f = this.fonts[0]!;
    return ((f.ascender - f.descender) / f.unitsPerEm) * size;
  }

  /**
   * Greedy word wrap into at most `maxLines` lines of at most `maxWidth`; words longer
   * than a line are broken between characters, and cut text ends with an ellipsis.
   */
  wrap(text: string, size: number, maxWidth: number, maxLines: number): TextLine[] {
    const words = normalize(text).split(' ').filter(Boolean);
    const lines: string[] = [];
    let current = '';
    let cut = false;
    for (let i = 0; i < words.length && !cut; i++) {
      let word = words[i]!;
      for (;;) {
        const candidate = current ? `${current} ${word}` : word;
        if (this.measure(candidate, size) <= maxWidth) {
          current = candidate;
          break;
        }
        if (current) {
          lines.push(current);
          current = '';
        } else {
          const head = this.fit(word, size, maxWidth);
          lines.push(head);
          word = word.slice(head.length);
        }
        if (lines.length === maxLines) {
          cut = true;
          break;
        }
      }
    }
    if (!cut && current) lines.push(current);
    if (cut) lines[maxLines - 1] = this.ellipsize(lines[maxLines - 1]!, size, maxWidth);
    return lines.map((line) => this.line(line, size));
  }

  measure(text: string, size: number): number {
    return this.place(text).reduce((w, p, i, all) => w + this.advance(p, all[i + 1], size), 0);
  }

  line(text: string, size: number): TextLine {
    const placed = this.place(text);
    let x = 0;
    const parts: string[] = [];
    placed.forEach((p, i) => {
      parts.push(pathData(p.glyph.getPath(x, 0, size).commands));
      x += this.advance(p, placed[i + 1], size);
    });
    return { d: parts.filter(Boolean).join(' '), width: x };
  }

  private place(text: string): Placed[] {
    return Array.from(text, (char) => {
      const font = this.fonts.find((f) => f.charToGlyphIndex(char) > 0) ?? this.fonts[0]!;
      return { font, glyph: font.charToGlyph(char) };
    });
  }

  private advance(p: Placed, next: Placed | undefined, size: number): number {
    const kern = next && next.font === p.font ? p.font.getKerningValue(p.glyph, next.glyph) : 0;
    return (((p.glyph.advanceWidth ?? 0) + kern) / p.font.unitsPerEm) * size;
  }

  /** The longest prefix (at least one character) that fits. */
  private fit(word: string, size: number, maxWidth: number): string {
    const chars = Array.from(word);
    let n = 1;
    while (n < chars.length && this.measure(chars.slice(0, n + 1).join(''), size) <= maxWidth) n++;
    return chars.slice(0, n).join('');
  }

  private ellipsize(line: string, size: number, maxWidth: number): string {
    const chars = Array.from(line);
    while (chars.length > 0 && this.measure(`${chars.join('').trimEnd()}…`, size) > maxWidth) chars.pop();
    return `${chars.join('').trimEnd()}…`;
  }
}

/**
 * SVG path data with one decimal. Written here rather than with opentype.js's
 * toPathData, which can glue two numbers together ("9.30" for "9.3 0") when a value
 * rounds to -0.
 */
function pathData(commands: PathCommand[]): string {
  const n = (v: number) => {
    const r = Math.round(v * 10) / 10;
    return Object.is(r, -0) ? '0' : String(r);
  };
  return commands
    .map((c) => {
      switch (c.type) {
        case 'M':
        case 'L':
          return `${c.type}${n(c.x)} ${n(c.y)}`;
        case 'Q':
          return `Q${n(c.x1)} ${n(c.y1)} ${n(c.x)} ${n(c.y)}`;
        case 'C':
          return `C${n(c.x1)} ${n(c.y1)} ${n(c.x2)} ${n(c.y2)} ${n(c.x)} ${n(c.y)}`;
        case 'Z':
          return 'Z';
      }
    })
    .join('');
}

/** One line of plain text: no control characters, whitespace collapsed, composed form. */
function normalize(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
