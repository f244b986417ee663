import { buffer } from 'node:stream/consumers';
import { AppError, notFound } from '../../errors.js';
import type { Page } from '../../platform/http/pagination.js';
import type { BlobStore, GetResult } from '../../platform/storage/index.js';
import { derivedKey } from '../recordings/blob-keys.js';
import type { ContextRepository } from '../recordings/context.repository.js';
import type { FramesRepository } from '../recordings/frames.repository.js';
import type { Recording, RecordingsRepository } from '../recordings/recordings.repository.js';
import type { FileResponse, RecordingsService } from '../recordings/recordings.service.js';
import type { SegmentsRepository } from '../recordings/segments.repository.js';
import { mediaObject, type JsonLd } from './jsonld.js';
import { renderOgImage } from './og-image.js';
import { renderSharePage, sharePageCsp } from './share-page.js';
import { isShareId } from './share-id.js';
import type { ShareUrls } from './share-urls.js';
import type { PublicFrame, PublicShare } from './shares.schemas.js';
import type { SharesRepository } from './shares.repository.js';

/** The media stage's poster (derived/poster.jpg); without one, the first kept frame. */
const POSTER_NAME = 'poster.jpg';
/** Posters are a few hundred KB; anything far bigger is not worth decoding for a preview. */
const MAX_POSTER_BYTES = 16 * 1024 * 1024;

export interface PublicShareDeps {
  shares: SharesRepository;
  recordings: RecordingsRepository;
  playback: Pick<RecordingsService, 'stream'>;
  frames: FramesRepository;
  segments: SegmentsRepository;
  context: ContextRepository;
  blobs: BlobStore;
  urls: ShareUrls;
}

/**
 * Everything a share link shows, without authentication. The share id is the only
 * credential: every call looks it up afresh, so a revoked (or deleted) share stops
 * working with the next request, and unknown, malformed and revoked ids all get the same
 * 404. Nothing about the workspace, its people or storage keys leaves here.
 */
export class PublicShareService {
  constructor(private readonly d: PublicShareDeps) {}

  async view(shareId: string): Promise<PublicShare> {
    const { rec } = await this.open(shareId);
    const [context, segments, posterKey] = await Promise.all([
      this.d.context.find(rec.id),
      this.d.segments.list(rec.id),
      this.posterKey(rec),
    ]);
    return {
      share_id: shareId,
      title: rec.title,
      status: rec.status,
      created_at: rec.created_at,
      duration_seconds: rec.duration_seconds,
      has_video: rec.has_video,
      has_audio: rec.has_audio,
      width: rec.width,
      height: rec.height,
      poster_url: posterKey ? this.d.urls.poster(shareId) : null,
      video_url: this.d.urls.video(shareId),
      page_url: this.d.urls.page(shareId),
      og_image_url: this.d.urls.ogImage(shareId),
      jsonld_url: this.d.urls.jsonld(shareId),
      frames_url: this.d.urls.frames(shareId),
      context: {
        summary: context?.summary ?? null,
        timeline: context?.timeline ?? [],
        transcript: segments.map((s) => ({
          start_seconds: s.start_seconds,
          end_seconds: s.end_seconds,
          text: s.text,
          speaker: s.speaker,
        })),
        actions: context?.actions ?? [],
        urls: (context?.urls ?? []).map((u) => ({ url: u.url, first_seen_seconds: u.first_seen_seconds })),
        apps: context?.apps ?? [],
        tags: context?.tags ?? [],
      },
    };
  }

  /** The same streaming as the private /video (Range, HEAD), through Iris on S3 too. */
  async video(
    shareId: string,
    request: { range?: string | undefined; head: boolean },
  ): Promise<FileResponse> {
    const { rec } = await this.open(shareId);
    return this.d.playback.stream(rec, request);
  }

  async frames(shareId: string, page: Page): Promise<{ items: PublicFrame[]; total: number }> {
    const { rec } = await this.open(shareId);
    const { items: frames, total } = await this.d.frames.page(rec.id, page.limit, page.offset);
    const items = frames.map((f) => ({
      id: f.id,
      index: f.idx,
      timestamp_seconds: f.timestamp_seconds,
      width: f.width,
      height: f.height,
      image_url: this.d.urls.frameImage(shareId, f.id),
      ocr_text: f.ocr_text,
      description: f.description,
      url: f.url,
      app: f.app,
    }));
    return { items, total };
  }

  /**
   * Images go through the share, not through signed blob URLs: a signed URL would keep
   * working after revocation until it expired, while these stop with the share.
   */
  async frameImage(shareId: string, frameId: string): Promise<GetResult> {
    const { rec } = await this.open(shareId);
    const frame = await this.d.frames.find(rec.id, frameId);
    if (!frame) throw notFound('Frame');
    return this.d.blobs.get(frame.image_key);
  }

  async poster(shareId: string): Promise<GetResult> {
    const { rec } = await this.open(shareId);
    const key = await this.posterKey(rec);
    if (!key) throw notFound('Poster');
    return this.d.blobs.get(key);
  }

  async ogImage(shareId: string): Promise<Buffer> {
    const { rec } = await this.open(shareId);
    const key = await this.posterKey(rec);
    const poster = key ? await this.readPoster(key) : null;
    const meta = [rec.duration_seconds !== null ? clock(rec.duration_seconds) : null, 'Shared with Iris']
      .filter(Boolean)
      .join(' · ');
    return renderOgImage({ title: rec.title, meta, poster });
  }

  async jsonld(shareId: string): Promise<JsonLd> {
    return this.jsonldOf(await this.view(shareId));
  }

  /** The public HTML page and the Content-Security-Policy it needs. */
  async page(shareId: string): Promise<{ html: string; csp: string }> {
    const v = await this.view(shareId);
    return {
      html: renderSharePage(v, this.jsonldOf(v), this.d.urls.api(shareId)),
      csp: sharePageCsp([this.d.urls.origin]),
    };
  }

  jsonldOf(v: PublicShare): JsonLd {
    return mediaObject({
      ...v,
      summary: v.context.summary,
      transcript: v.context.transcript.map((s) => s.text.trim()).join(' '),
    });
  }

  private async open(shareId: string): Promise<{ rec: Recording }> {
    if (!isShareId(shareId)) throw notFound('Share');
    const share = await this.d.shares.findActive(shareId);
    const rec = share ? await this.d.recordings.find(share.recording_id) : undefined;
    if (!rec) throw notFound('Share');
    return { rec };
  }

  private async posterKey(rec: Recording): Promise<string | null> {
    const poster = derivedKey(rec.workspace_id, rec.id, POSTER_NAME);
    if (await this.d.blobs.exists(poster)) return poster;
    const [first] = (await this.d.frames.page(rec.id, 1, 0)).items;
    return first?.image_key ?? null;
  }

  private async readPoster(key: string): Promise<Buffer | null> {
    try {
      const stat = await this.d.blobs.stat(key);
      if (!stat || stat.size > MAX_POSTER_BYTES) return null;
      return await buffer((await this.d.blobs.get(key)).stream);
    } catch (err) {
      // Gone between the check and the read (a stage rerun): the title-only image will do.
      if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }
}

/** 125.4 → "2:05", 3725 → "1:02:05". */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
