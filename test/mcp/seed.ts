import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { ContextInput } from '../../src/modules/recordings/context.repository.js';
import { newId } from '../../src/platform/ids.js';
import type { TestApp } from '../helpers/app.js';

export const CONTEXT: ContextInput = {
  summary: 'The team planned the Kubernetes upgrade; Dana writes the rollback runbook.',
  timeline: [{ start_seconds: 0, end_seconds: 65, title: 'Upgrade plan' }],
  actions: [
    { text: 'Dana writes the rollback runbook.', timestamp_seconds: 40, owner: 'Dana', due: 'Friday' },
  ],
  urls: [{ url: 'https://kubernetes.io/docs/home', first_seen_seconds: 30, frames: 1 }],
  apps: [{ name: 'Firefox', seconds: 35 }],
  tags: ['kubernetes', 'upgrade'],
  language: 'en',
  engines: { summary: 'test' },
};

export const SEGMENTS = [
  {
    start_seconds: 2,
    end_seconds: 6,
    text: 'first item is the kubernetes upgrade',
    confidence: 0.9,
    speaker: null,
  },
  {
    start_seconds: 40,
    end_seconds: 44,
    text: 'Dana writes the rollback runbook',
    confidence: 0.9,
    speaker: 'S1',
  },
];

const jpeg = (color: string) =>
  sharp({ create: { width: 64, height: 36, channels: 3, background: color } })
    .jpeg()
    .toBuffer();

/**
 * A recording as the pipeline leaves it, written through the repositories the stages
 * use (their own suites run them for real), frame images included; then indexed by
 * the real `index` job so search finds it.
 */
export async function seedRecording(
  t: TestApp,
  workspaceId: string,
  opts: { title: string; full?: boolean },
): Promise<string> {
  const r = t.c.recordings;
  const id = newId('rec');
  await r.repo.insert({
    id,
    workspace_id: workspaceId,
    created_by: null,
    title: opts.title,
    source: 'upload',
    status: 'queued',
    upload_method: 'multipart',
    original_filename: 'meeting.mp4',
    content_type: 'video/mp4',
  });
  if (opts.full) {
    await r.segments.replaceAll(id, SEGMENTS);
    await r.context.upsert(id, CONTEXT);
    const screens = [
      {
        at: 30,
        ocr: 'Deploying to Kubernetes · docs',
        app: 'Firefox',
        url: 'https://kubernetes.io/docs/home',
      },
      { at: 50, ocr: 'Runbook: rollback steps', app: 'Editor', url: null },
    ];
    const frames = await Promise.all(
      screens.map(async (s, idx) => {
        const key = `ws/${workspaceId}/rec/${id}/frames/${idx}.jpg`;
        await t.c.blobs.put(key, Readable.from(await jpeg(idx ? '#204080' : '#c03020')), {
          contentType: 'image/jpeg',
        });
        return {
          id: newId('frm'),
          idx,
          timestamp_seconds: s.at,
          image_key: key,
          width: 64,
          height: 36,
          phash: null,
        };
      }),
    );
    await r.frames.replaceAll(id, workspaceId, frames);
    for (const [i, s] of screens.entries()) {
      await r.frames.setOcr(frames[i]!.id, { ocr_text: s.ocr, ocr_words: null, ocr_confidence: 90 });
      await r.frames.setEnrichment(frames[i]!.id, { url: s.url, app: s.app, description: null });
    }
  }
  await runIndex(t, id);
  return id;
}

async function runIndex(t: TestApp, id: string): Promise<void> {
  await t.c.recordings.pipeline.enqueue(id, 'index');
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const stage = (await t.c.recordings.repo.stages(id)).find((s) => s.stage === 'index')!;
    if (stage.state === 'done') return;
    if (stage.state === 'failed') throw new Error(`index stage of ${id} failed: ${stage.error}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`index stage of ${id} did not finish`);
}
