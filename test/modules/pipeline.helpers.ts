import { mkdtempSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { makeSlidesVideo, truncateCopy } from '../fixtures/media.js';
import type { TestApp } from '../helpers/app.js';
import { stageOf, waitForStatus, type StageJson, type StatusJson } from './recordings.helpers.js';

/**
 * Shared by the pipeline suites: a screen-recording-like video made once per process
 * (text slides, one held still for 12 s), its cut-off copy, and waiting for stages.
 */
export const SLIDES = [
  { lines: ['Invoice 4821', 'https://example.com/pricing'], seconds: 4 },
  { lines: ['Quarterly Report', 'Revenue grew 12 percent'], seconds: 12 },
  { lines: ['Meeting Notes', 'Ship the beta on Friday'], seconds: 4 },
];

export interface PipelineMedia {
  dir: string;
  /** 960×540, 20 s, H.264/AAC, index at the end. */
  slides: Buffer;
  /** The same with the index first, cut after half its bytes: readable up to about half way. */
  truncated: Buffer;
}

let made: Promise<PipelineMedia> | undefined;

export function pipelineMedia(): Promise<PipelineMedia> {
  made ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-pipeline-media-'));
    const opts = { width: 960, height: 540 };
    const slides = await makeSlidesVideo(path.join(dir, 'slides.mp4'), SLIDES, opts);
    const fast = await makeSlidesVideo(path.join(dir, 'fast.mp4'), SLIDES, { ...opts, faststart: true });
    const truncated = await truncateCopy(fast, path.join(dir, 'truncated.mp4'), 0.5);
    return { dir, slides: readFileSync(slides), truncated: readFileSync(truncated) };
  })();
  return made;
}

const FINISHED = ['done', 'skipped', 'failed'];
export const finished = (s: StageJson | undefined) => s !== undefined && FINISHED.includes(s.state);

/** Waits until every named stage has finished (done, skipped or failed). */
export function waitForStages(
  t: TestApp,
  token: string,
  id: string,
  stages: string[],
  timeoutMs = 90_000,
  extra: (s: StatusJson) => boolean = () => true,
): Promise<StatusJson> {
  return waitForStatus(
    t,
    token,
    id,
    (s) => stages.every((name) => finished(stageOf(s, name))) && extra(s),
    timeoutMs,
  );
}

/** Fetches a signed link through the app (its origin is the configured public URL). */
export async function fetchSigned(t: TestApp, url: string) {
  const u = new URL(url);
  return t.app.inject({ method: 'GET', url: `${u.pathname}${u.search}` });
}

export const isJpeg = (data: Buffer) => data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));

/** Writes a response body to a file for ffprobe and the MP4 box walker. */
export async function saveBody(dir: string, name: string, body: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, body);
  expect(body.length).toBeGreaterThan(0);
  return file;
}
