/**
 * Frame selection on real screen recordings (test/fixtures/screen: Chromium, xterm,
 * Geany and LibreOffice under Xvfb, recorded with ffmpeg x11grab), per kind of
 * recording: distinct screens on the recording vs frames kept vs frames OCR'd, how many
 * screens' titles the OCR of those frames recovered, and what sampling and OCR cost.
 *
 * Baseline in the same run: the selection Iris used before (ffmpeg's scene score with a
 * one-second minimum gap and a ten-second maximum, then a 1024-bit dHash dedupe against
 * the last kept frame), re-implemented here only to compare with.
 *
 * Needs Xvfb, xdotool and the scenarios' programs (each scenario says what it misses)
 * and the tesseract CLI. Run: npx tsx bench/screens.bench.ts  (or npm run bench -- screens)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runFfmpeg } from '../src/engines/ffmpeg/command.js';
import { extractKeyframes } from '../src/engines/ffmpeg/frames.js';
import { inputUrl, outputUrl } from '../src/engines/ffmpeg/paths.js';
import { dhash, hammingDistance } from '../src/engines/image/phash.js';
import { createTesseractCli } from '../src/engines/ocr/tesseract-cli.js';
import { tempDir } from '../test/fixtures/media.js';
import { evaluate } from '../test/fixtures/screen/evaluate.js';
import { SCENARIOS, whyNot } from '../test/fixtures/screen/scenarios.js';

export interface ScreensBenchRow {
  recording: string;
  selection: 'scene+dHash (before)' | 'screen changes (now)';
  seconds: number;
  distinct_screens: number;
  frames_kept: number;
  frames_ocrd: number;
  titles_recovered: string;
  sample_ms: number;
  ocr_ms: number;
}

/** The previous selection: select=scene>0.003 with a 1 s min / 10 s max gap, then dHash-32 ≤ 4 against the last kept. */
async function sceneAndDhash(video: string, dir: string): Promise<Array<{ t: number; path: string }>> {
  await fs.mkdir(dir, { recursive: true });
  const times: number[] = [];
  await runFfmpeg(
    // prettier-ignore
    [
      '-i', inputUrl(video), '-an',
      '-vf', "select='isnan(prev_selected_t)+gte(t-prev_selected_t,10)+gt(scene,0.003)*gte(t-prev_selected_t,1)',metadata=mode=print",
      '-vsync', 'vfr', '-q:v', '2', '-f', 'image2', '-start_number', '0', outputUrl(path.join(dir, 'f-%06d.jpg')),
    ],
    {
      what: 'baseline sampling',
      onStderrLine: (line) => {
        const m = /\] frame:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*([\d.]+)/.exec(line);
        if (m) times[Number(m[1])] = Number(m[2]);
      },
    },
  );
  const kept: Array<{ t: number; path: string }> = [];
  let last: string | undefined;
  for (const [i, t] of times.entries()) {
    const file = path.join(dir, `f-${String(i).padStart(6, '0')}.jpg`);
    const hash = await dhash(file, { size: 32 });
    if (last !== undefined && hammingDistance(hash, last) <= 4) continue;
    kept.push({ t, path: file });
    last = hash;
  }
  return kept;
}

export async function run(): Promise<ScreensBenchRow[] | { skipped: string }> {
  const dir = await tempDir('iris-screens-bench-');
  const rows: ScreensBenchRow[] = [];
  const ocr = await createTesseractCli().catch((err: Error) => err);
  if (ocr instanceof Error) return { skipped: `tesseract CLI: ${ocr.message}` };
  try {
    for (const scenario of SCENARIOS) {
      const why = await whyNot(scenario);
      if (why) {
        console.log(`screens bench: ${scenario.name} skipped (${why})`);
        continue;
      }
      const rec = await scenario.record(path.join(dir, `${scenario.name}.mp4`));
      const methods = [
        ['scene+dHash (before)', () => sceneAndDhash(rec.path, path.join(dir, `${scenario.name}-before`))],
        [
          'screen changes (now)',
          async () =>
            (await extractKeyframes(rec.path, path.join(dir, `${scenario.name}-now`))).frames.map((f) => ({
              t: f.timestamp_seconds,
              path: f.path,
            })),
        ],
      ] as const;
      for (const [selection, select] of methods) {
        const t0 = performance.now();
        const frames = await select();
        const sampleMs = performance.now() - t0;
        const t1 = performance.now();
        const texts = await ocr.recognizeMany(frames.map((f) => f.path));
        const ocrMs = performance.now() - t1;
        const e = await evaluate(
          rec.screens,
          frames.map((f, i) => ({ timestamp_seconds: f.t, ocr_text: texts[i]?.text ?? null, url: null })),
          async () => [],
        );
        rows.push({
          recording: scenario.name,
          selection,
          seconds: Math.round(rec.duration * 10) / 10,
          distinct_screens: e.distinct,
          frames_kept: frames.length,
          frames_ocrd: frames.length,
          titles_recovered: `${e.inOcr}/${e.distinct}`,
          sample_ms: Math.round(sampleMs),
          ocr_ms: Math.round(ocrMs),
        });
      }
    }
    return rows;
  } finally {
    await ocr.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  if (Array.isArray(r)) console.table(r);
  else console.log(r);
}
