/**
 * Frames → dedupe → OCR on a generated 30-second 1280×720 screen-like recording (slides of
 * ~10 lines of text, one slide that changes by a single line, a long static stretch and a
 * return to the first slide), plus the web transcode speed of the same file.
 *
 * Reports, in one run:
 * - transcode to web MP4: wall time and speed (× real time), per ffmpeg available
 *   (system and/or npm);
 * - keyframes kept by the screen-change selection at 4 and 2 frames compared a second
 *   (bench/screens.bench.ts compares it with the previous selection on real recordings);
 * - OCR ms per 720p frame for each available engine (steady state: the engine is warmed
 *   up first), one call per frame, and for the CLI also in list-mode batches; word recall
 *   against the drawn text.
 * Run: npx tsx bench/ocr.bench.ts   (or npm run bench -- ocr)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extractKeyframes, type SampledFrame } from '../src/engines/ffmpeg/frames.js';
import { clearLocateCache, locateFfmpeg } from '../src/engines/ffmpeg/locate.js';
import { toWebMp4 } from '../src/engines/ffmpeg/transcode.js';
import type { OcrEngine } from '../src/engines/ocr/port.js';
import { ocrAvailability } from '../src/engines/ocr/select.js';
import { createTesseractCli } from '../src/engines/ocr/tesseract-cli.js';
import { createTesseractJs } from '../src/engines/ocr/tesseract-js.js';
import { findOnPath } from '../src/engines/ffmpeg/locate.js';
import { makeSlidesVideo, npmFfmpeg, tempDir, type Slide } from '../test/fixtures/media.js';

export interface OcrBenchRow {
  what: string;
  value: number | string;
  unit: string;
  note?: string;
}

const page = (title: string, url: string, body: string[]): string[] => [`${url}`, title, ...body];

const S1 = page('Invoice 4821 - Acme Billing', 'https://billing.example.com/invoices/4821', [
  'Customer: Northwind Traders',
  'Issued: 12 March 2024   Due: 11 April 2024',
  'Consulting services, 40 hours at 95 EUR',
  'Hosting plan, annual subscription',
  'Support retainer for the first quarter',
  'Subtotal 5,120 EUR   VAT 1,075 EUR',
  'Total due 6,195 EUR',
]);
const S2 = page('Quarterly Report - Dashboard', 'https://app.example.com/reports/q1', [
  'Revenue grew 12 percent over the quarter',
  'Churn fell from 4.1 to 3.2 percent',
  'Enterprise deals closed: 14',
  'Average contract value rose to 18,400 EUR',
  'Support tickets down 9 percent',
  'Net promoter score: 47',
  'Next review on 2 July',
]);
// The same page with one line edited: what a typing user produces.
const S2b = S2.map((l) =>
  l.startsWith('Enterprise deals') ? 'Enterprise deals closed: 15 (one late signature)' : l,
);
const S3 = page('Meeting Notes - Wiki', 'https://wiki.example.com/notes/launch', [
  'Ship the beta on Friday',
  'Alice owns the rollout plan',
  'Bob checks the pricing page copy',
  'Marketing email goes out Monday',
  'Risks: load on the signup service',
  'Decision: keep the free tier',
  'Follow up with legal on terms',
]);
const S4 = page('Pull request 512 - Code review', 'https://git.example.com/iris/pull/512', [
  'Fix race in upload resumption',
  'Files changed: 7   Additions: 212',
  'Reviewer asked for a regression test',
  'CI passed on all three platforms',
  'Merge after the release branch is cut',
  'Linked issue: uploads stall at 99 percent',
  'Approved by two maintainers',
]);
const S5 = page('Pricing - Example', 'https://example.com/pricing', [
  'Free: 500 MB storage, community support',
  'Pro: 4 GB, priority processing',
  'Team: 8 GB, shared workspaces',
  'All plans include search and sharing',
  'Annual billing saves two months',
  'Contact sales for custom limits',
  'Prices exclude VAT',
]);

export const SLIDES: Slide[] = [
  { lines: S1, seconds: 4 },
  { lines: S2, seconds: 3 },
  { lines: S2b, seconds: 3 },
  { lines: S3, seconds: 8 },
  { lines: S1, seconds: 3 },
  { lines: S4, seconds: 4 },
  { lines: S5, seconds: 5 },
];

const expectedWords = new Set(
  SLIDES.flatMap((s) => s.lines)
    .join(' ')
    .split(/\s+/)
    .map((w) => w.replace(/[^\w./:-]/g, '').toLowerCase())
    .filter((w) => w.length > 2),
);

async function ocrTimings(engine: OcrEngine, frames: SampledFrame[]) {
  const first = frames[0];
  if (first) await engine.recognize(first.path); // warm-up: model load, worker start
  const t0 = performance.now();
  const texts: string[] = [];
  for (const f of frames) texts.push((await engine.recognize(f.path)).text);
  const single = (performance.now() - t0) / frames.length;
  let batch: number | undefined;
  if (engine.name === 'tesseract-cli') {
    const t1 = performance.now();
    await engine.recognizeMany(frames.map((f) => f.path));
    batch = (performance.now() - t1) / frames.length;
  }
  const found = new Set(
    texts
      .join(' ')
      .split(/\s+/)
      .map((w) => w.replace(/[^\w./:-]/g, '').toLowerCase()),
  );
  const recall = [...expectedWords].filter((w) => found.has(w)).length / expectedWords.size;
  return { single, batch, recall };
}

async function transcodeRow(video: string, dir: string, label: string): Promise<OcrBenchRow> {
  const bin = await locateFfmpeg();
  const r = await toWebMp4(video, path.join(dir, `web-${label}.mp4`));
  return {
    what: `toWebMp4 720p30 30 s (${bin.source} ffmpeg ${bin.version})`,
    value: r.speed ?? 0,
    unit: '× real time',
    note: `${r.elapsed_ms} ms wall`,
  };
}

export async function run(): Promise<OcrBenchRow[]> {
  const dir = await tempDir('iris-ocr-bench-');
  const rows: OcrBenchRow[] = [];
  try {
    const video = await makeSlidesVideo(path.join(dir, 'screen.mp4'), SLIDES, { fps: 30, fontSize: 26 });

    // Transcode speed with whichever ffmpeg is located, and with the npm one when that differs.
    rows.push(await transcodeRow(video, dir, 'located'));
    if ((await locateFfmpeg()).source !== 'npm') {
      const saved = process.env.IRIS_FFMPEG_PATH;
      process.env.IRIS_FFMPEG_PATH = npmFfmpeg();
      clearLocateCache();
      try {
        rows.push(await transcodeRow(video, dir, 'npm'));
      } finally {
        if (saved === undefined) delete process.env.IRIS_FFMPEG_PATH;
        else process.env.IRIS_FFMPEG_PATH = saved;
        clearLocateCache();
      }
    }

    // Seven distinct screens: the one-line edit at 7 s and the return to the first page count.
    for (const analysisFps of [4, 2]) {
      const t0 = performance.now();
      const r = await extractKeyframes(video, path.join(dir, `frames-${analysisFps}`), { analysisFps });
      rows.push({
        what: `keyframes kept, screen changes at ${analysisFps} fps (7 distinct screens)`,
        value: r.frames.length,
        unit: 'frames',
        note:
          `${Math.round(performance.now() - t0)} ms for ${r.analysed} frames compared; ` +
          `at ${r.frames.map((f) => f.timestamp_seconds).join(' ')}`,
      });
    }
    const { frames: keptDefault } = await extractKeyframes(video, path.join(dir, 'frames'));
    const kept = keptDefault;
    const available = await ocrAvailability();
    for (const a of available) {
      if (!a.available) {
        rows.push({ what: `OCR ${a.engine}`, value: 'n/a', unit: '', note: a.reason ?? 'unavailable' });
        continue;
      }
      const engine = a.engine === 'tesseract-cli' ? await createTesseractCli() : await createTesseractJs();
      try {
        const t = await ocrTimings(engine, kept);
        rows.push({
          what: `OCR ${engine.name} ${engine.version}, one call per frame`,
          value: Math.round(t.single),
          unit: 'ms / 720p frame',
          note: `${kept.length} frames, word recall ${(t.recall * 100).toFixed(1)} %`,
        });
        if (t.batch !== undefined) {
          rows.push({
            what: `OCR ${engine.name}, list-mode batch`,
            value: Math.round(t.batch),
            unit: 'ms / 720p frame',
          });
        }
      } finally {
        await engine.close();
      }
    }
    rows.push({
      what: 'system binaries on PATH',
      value:
        [(await findOnPath('ffmpeg')) ? 'ffmpeg' : '', (await findOnPath('tesseract')) ? 'tesseract' : '']
          .filter(Boolean)
          .join(', ') || 'none',
      unit: '',
    });
    return rows;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await run());
}
