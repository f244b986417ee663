/**
 * Cuts ffmpeg's `image2pipe` MJPEG output into whole JPEG images. A JPEG ends at its
 * EOI marker (FF D9); inside the entropy-coded data every FF byte is stuffed (FF 00), so
 * FF D9 occurs nowhere else in the frames ffmpeg's mjpeg encoder writes (no embedded
 * thumbnails). Holds at most one partial image.
 */
export class JpegSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  /** Whether the last byte seen was FF (a marker split across chunks). */
  private pendingFF = false;

  constructor(private readonly maxBytes = 8 * 1024 * 1024) {}

  /** Feeds a chunk; returns the images it completed. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const isEnd =
        (i === 0 && this.pendingFF && chunk[0] === 0xd9) || (chunk[i] === 0xff && chunk[i + 1] === 0xd9);
      if (!isEnd) continue;
      const end = chunk[i] === 0xd9 && i === 0 && this.pendingFF ? 1 : i + 2;
      this.parts.push(chunk.subarray(start, end));
      out.push(Buffer.concat(this.parts));
      this.parts = [];
      this.size = 0;
      start = end;
      i = end - 1;
    }
    this.pendingFF = chunk.length > 0 && chunk[chunk.length - 1] === 0xff;
    if (start < chunk.length) {
      this.parts.push(Buffer.from(chunk.subarray(start)));
      this.size += chunk.length - start;
      // A stream that never ends an image must not grow without bound.
      if (this.size > this.maxBytes) {
        this.parts = [];
        this.size = 0;
      }
    }
    return out;
  }
}
