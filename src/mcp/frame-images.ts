import type { ImageContent } from '@modelcontextprotocol/sdk/types.js';
import type { Readable } from 'node:stream';
import type { Frame } from '../modules/recordings/frames.repository.js';
import type { BlobStore } from '../platform/storage/index.js';

/**
 * Images cost a model far more context than text, and a client may have a message size
 * limit: a few frames per call, each of a sane size, is what a question about "what
 * was on screen" needs.
 */
export const MAX_IMAGES = 4;
export const MAX_IMAGE_BYTES = 1024 * 1024;

export interface FrameImages {
  images: ImageContent[];
  /** Why some frames came without their image, for the text summary. */
  notes: string[];
}

/** Reads up to `max` bytes; undefined when the blob is bigger (the stream is dropped). */
async function readCapped(stream: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

// The frames stage writes JPEGs; a store that lost the type must not make them opaque.
const imageType = (stored: string | undefined) => (stored?.startsWith('image/') ? stored : 'image/jpeg');

/** The frames' JPEGs as image content, for frames the caller was already allowed to list. */
export async function loadFrameImages(blobs: BlobStore, frames: Frame[]): Promise<FrameImages> {
  const images: ImageContent[] = [];
  const notes: string[] = [];
  for (const frame of frames) {
    if (images.length >= MAX_IMAGES) {
      notes.push(`Only ${MAX_IMAGES} images per call; page with offset for more.`);
      break;
    }
    try {
      const blob = await blobs.get(frame.image_key);
      const bytes = blob.size > MAX_IMAGE_BYTES ? undefined : await readCapped(blob.stream, MAX_IMAGE_BYTES);
      if (!bytes) {
        blob.stream.destroy();
        notes.push(`Frame ${frame.id} image is over ${MAX_IMAGE_BYTES} bytes; not included.`);
        continue;
      }
      images.push({ type: 'image', data: bytes.toString('base64'), mimeType: imageType(blob.contentType) });
    } catch {
      notes.push(`Frame ${frame.id} image is not available.`);
    }
  }
  return { images, notes };
}
