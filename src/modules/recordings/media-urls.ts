import type { BlobStore } from '../../platform/storage/index.js';
import { derivedKey } from './blob-keys.js';
import { POSTER_NAME, derivedOf, thumbnailName } from './derived-media.js';
import type { Recording } from './recordings.repository.js';

/** Signed image links live this long; clients re-read the recording or its frames after that. */
export const IMAGE_URL_SECONDS = 3600;

export interface MediaUrls {
  poster_url: string | null;
  thumbnail_urls: string[];
}

/** Expiring links to a stored image: the local store's signed route, or a presigned S3 URL. */
export const imageUrl = (blobs: BlobStore, key: string) =>
  blobs.signedUrl(key, { expiresInSeconds: IMAGE_URL_SECONDS, contentType: 'image/jpeg' });

/**
 * Poster and thumbnail links of a recording, for what the media stage recorded it made.
 * Signing is local work (an HMAC, or a SigV4 presign without a request), so lists can
 * afford it.
 */
export async function mediaUrls(blobs: BlobStore, rec: Recording): Promise<MediaUrls> {
  const derived = derivedOf(rec);
  const key = (name: string) => derivedKey(rec.workspace_id, rec.id, name);
  const [poster_url, ...thumbnail_urls] = await Promise.all([
    derived.poster ? imageUrl(blobs, key(POSTER_NAME)) : null,
    ...(derived.thumbnails ?? []).map((_t, i) => imageUrl(blobs, key(thumbnailName(i)))),
  ]);
  return { poster_url: poster_url ?? null, thumbnail_urls: thumbnail_urls.filter((u) => u !== null) };
}
