import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Page } from '../../platform/http/pagination.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { Frame, FramesRepository, OcrWord } from './frames.repository.js';
import { imageUrl } from './media-urls.js';
import type { Recording, RecordingsRepository } from './recordings.repository.js';
import { loadRecording } from './recordings.service.js';

/** A kept frame as clients see it: the image as an expiring link, never a storage key. */
export interface FrameView {
  id: string;
  index: number;
  timestamp_seconds: number;
  image_url: string;
  width: number | null;
  height: number | null;
  ocr_text: string | null;
  ocr_confidence: number | null;
  words?: OcrWord[];
  description: string | null;
  url: string | null;
  app: string | null;
}

export interface FramesQuery {
  /** Word boxes are the bulk of a frame; clients that highlight text ask for them. */
  words: boolean;
}

export interface FramesDeps {
  repo: RecordingsRepository;
  access: AccessService;
  frames: FramesRepository;
  blobs: BlobStore;
}

/** GET /recordings/:id/frames: every kept frame with its screen text, description, url and app. */
export class FramesService {
  constructor(private readonly d: FramesDeps) {}

  async list(
    principal: Principal,
    id: string,
    page: Page,
    query: FramesQuery,
  ): Promise<{ items: FrameView[]; total: number }> {
    const rec = await loadRecording(this.d, principal, id, 'recording:read', 'recording.read');
    return this.framesOf(rec, page, query);
  }

  /** For callers that already decided the recording may be seen (public share pages). */
  async framesOf(
    rec: Recording,
    page: Page,
    query: FramesQuery,
  ): Promise<{ items: FrameView[]; total: number }> {
    const { items, total } = await this.d.frames.page(rec.id, page.limit, page.offset);
    return { items: await Promise.all(items.map((f) => this.view(f, query))), total };
  }

  private async view(f: Frame, query: FramesQuery): Promise<FrameView> {
    return {
      id: f.id,
      index: f.idx,
      timestamp_seconds: f.timestamp_seconds,
      image_url: await imageUrl(this.d.blobs, f.image_key),
      width: f.width,
      height: f.height,
      ocr_text: f.ocr_text,
      ocr_confidence: f.ocr_confidence,
      ...(query.words ? { words: f.ocr_words ?? [] } : {}),
      description: f.description,
      url: f.url,
      app: f.app,
    };
  }
}
