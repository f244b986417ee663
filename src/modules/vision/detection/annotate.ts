import sharp from 'sharp';
import type { Detection } from '../../../engines/detect/port.js';

const escape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The frame with its detections drawn (spec 001's annotated live frames and event
 * thumbnails): a box per detection, labelled with class and confidence.
 */
export async function annotate(
  jpeg: Buffer,
  width: number,
  height: number,
  detections: readonly Detection[],
) {
  if (detections.length === 0) return jpeg;
  const stroke = Math.max(2, Math.round(width / 400));
  const font = Math.max(12, Math.round(width / 60));
  const boxes = detections
    .map((d) => {
      const { x, y, w, h } = d.box;
      const text = `${escape(d.label)} ${Math.round(d.score * 100)}%`;
      return (
        `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#ffcc00" stroke-width="${stroke}"/>` +
        `<rect x="${x}" y="${Math.max(0, y - font - 4)}" width="${text.length * font * 0.6 + 6}" height="${font + 4}" fill="#ffcc00"/>` +
        `<text x="${x + 3}" y="${Math.max(font, y - 4)}" font-family="sans-serif" font-size="${font}" fill="#000">${text}</text>`
      );
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${boxes}</svg>`;
  return sharp(jpeg)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 80 })
    .toBuffer();
}
