import sharp from 'sharp';
import { glyphSet } from './og-text.js';

/** The size link previews (Open Graph, Twitter's summary_large_image) ask for. */
export const OG_WIDTH = 1200;
export const OG_HEIGHT = 630;

const MARGIN = 64;
const TITLE_SIZE = 64;
const TITLE_LINES = 3;
const META_SIZE = 30;

export interface OgImageInput {
  title: string;
  /** A line under the title, e.g. "2:05 · Shared with Iris". */
  meta: string;
  /** The poster (any format sharp reads); without one the title sits on a plain backdrop. */
  poster?: Buffer | null;
}

/**
 * A 1200×630 PNG: the poster filling the frame (cropped to cover), darkened towards the
 * bottom so white text stays readable on any picture, the title over it (up to three
 * lines) and a meta line.
 */
export async function renderOgImage(input: OgImageInput): Promise<Buffer> {
  const [bold, regular] = await Promise.all([glyphSet(700), glyphSet(400)]);
  const maxWidth = OG_WIDTH - 2 * MARGIN;
  const title = bold.wrap(input.title || 'Untitled recording', TITLE_SIZE, maxWidth, TITLE_LINES);
  const meta = regular.wrap(input.meta, META_SIZE, maxWidth, 1);
  const brand = bold.line('Iris', 30);

  const titleStep = bold.lineHeight(TITLE_SIZE) * 0.95;
  const metaBaseline = OG_HEIGHT - MARGIN;
  const lastTitleBaseline = metaBaseline - META_SIZE * 1.9;
  const firstTitleBaseline = lastTitleBaseline - (title.length - 1) * titleStep;
  const titlePaths = title
    .map(
      (l, i) => `<path transform="translate(${MARGIN} ${firstTitleBaseline + i * titleStep})" d="${l.d}"/>`,
    )
    .join('');
  const metaPaths = meta.map((l) => `<path transform="translate(${MARGIN} ${metaBaseline})" d="${l.d}"/>`);

  // Only numbers and glyph outlines go into this SVG, never user text, so nothing in it
  // needs escaping.
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${OG_WIDTH}" height="${OG_HEIGHT}">
  <defs>
    <linearGradient id="shade" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#000" stop-opacity="0"/>
      <stop offset="0.35" stop-color="#000" stop-opacity="0.25"/>
      <stop offset="1" stop-color="#000" stop-opacity="0.88"/>
    </linearGradient>
  </defs>
  <rect x="0" y="0" width="${OG_WIDTH}" height="${OG_HEIGHT}" fill="url(#shade)"/>
  <rect x="${MARGIN - 18}" y="${MARGIN - 14}" width="${brand.width + 36}" height="56" rx="28" fill="#0b1020" fill-opacity="0.72"/>
  <path transform="translate(${MARGIN} ${MARGIN + 27})" fill="#7dd3fc" d="${brand.d}"/>
  <g fill="#ffffff">${titlePaths}</g>
  <g fill="#cbd5e1">${metaPaths.join('')}</g>
</svg>`;

  const base = input.poster ? await posterBackdrop(input.poster) : plainBackdrop();
  return sharp(base)
    .composite([{ input: Buffer.from(overlay), top: 0, left: 0 }])
    .png({ compressionLevel: 8 })
    .toBuffer();
}

async function posterBackdrop(poster: Buffer): Promise<Buffer> {
  try {
    return await sharp(poster, { limitInputPixels: 64_000_000 })
      .rotate()
      .resize(OG_WIDTH, OG_HEIGHT, { fit: 'cover', position: 'attention' })
      .removeAlpha()
      .png()
      .toBuffer();
  } catch {
    // An unreadable poster must not cost the preview: the title alone still works.
    return plainBackdrop();
  }
}

function plainBackdrop(): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${OG_WIDTH}" height="${OG_HEIGHT}">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1e293b"/>
      <stop offset="1" stop-color="#0c4a6e"/>
    </linearGradient>
  </defs>
  <rect width="${OG_WIDTH}" height="${OG_HEIGHT}" fill="url(#bg)"/>
  <circle cx="1010" cy="170" r="260" fill="#38bdf8" fill-opacity="0.10"/>
  <circle cx="1110" cy="90" r="120" fill="#38bdf8" fill-opacity="0.10"/>
</svg>`);
}
