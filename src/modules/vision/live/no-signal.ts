import sharp from 'sharp';

let placeholder: Promise<Buffer> | undefined;

/**
 * What a camera shows before its first frame (spec 001: a "no signal" image with 200, so
 * an <img> never breaks): a dark 16:9 picture with a struck-through camera, drawn
 * without text so it needs no font.
 */
export function noSignalJpeg(): Promise<Buffer> {
  placeholder ??= sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">
        <rect width="640" height="360" fill="#1f2430"/>
        <g fill="none" stroke="#8b93a7" stroke-width="10" stroke-linejoin="round">
          <rect x="230" y="140" width="140" height="90" rx="12"/>
          <path d="M370 165 L420 140 L420 230 L370 205"/>
        </g>
        <path d="M215 250 L435 120" stroke="#e06c75" stroke-width="12" stroke-linecap="round"/>
      </svg>`,
    ),
  )
    .jpeg({ quality: 80 })
    .toBuffer();
  return placeholder;
}
