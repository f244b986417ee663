import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { makeColorVideo, makeTone } from '../fixtures/media.js';
import type { TestApp } from '../helpers/app.js';

/**
 * Shared by the recordings suites: media made once per process with the npm ffmpeg, a
 * multipart body builder for app.inject, waiting on the real queue, and looking at the
 * data dir to prove nothing was left behind.
 */
export interface MediaFiles {
  dir: string;
  /** H.264/AAC MP4, 320×240, 2 s, index (moov) at the end as recorders write it. */
  video: Buffer;
  /** AAC in .m4a, 2 s, no video. */
  audio: Buffer;
  /** A text file: not media. */
  text: Buffer;
}

let media: Promise<MediaFiles> | undefined;

export function mediaFiles(): Promise<MediaFiles> {
  media ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-rec-media-'));
    const video = await makeColorVideo(path.join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2 });
    const audio = await makeTone(path.join(dir, 'memo.m4a'), 2);
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'Meeting notes\n- this is not a video\n'.repeat(50));
    return { dir, video: readFileSync(video), audio: readFileSync(audio), text: readFileSync(text) };
  })();
  return media;
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface FilePart {
  data: Buffer;
  filename: string;
  type: string;
  field?: string;
}

/** A multipart/form-data body: the fields in order, then the file (or fields after it). */
export function multipart(
  fields: Array<[string, string]>,
  file?: FilePart,
  after: Array<[string, string]> = [],
): { payload: Buffer; contentType: string } {
  const boundary = `----iris${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  const field = ([name, value]: [string, string]) =>
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  fields.forEach(field);
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\n` +
          `Content-Type: ${file.type}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  after.forEach(field);
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function uploadMultipart(
  t: TestApp,
  token: string,
  file: FilePart,
  fields: Array<[string, string]> = [],
  query = '',
): Promise<LightMyRequestResponse> {
  const body = multipart(fields, file);
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/recordings${query}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType },
    payload: body.payload,
  });
}

/** Uploads and returns the created recording's JSON (asserting 201). */
export async function uploaded(
  t: TestApp,
  token: string,
  file: FilePart,
  fields: Array<[string, string]> = [],
) {
  const res = await uploadMultipart(t, token, file, fields);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Record<string, unknown> & { id: string; workspace_id: string };
}

export interface StageJson {
  stage: string;
  state: string;
  progress: number;
  engine: string | null;
  error: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface StatusJson {
  recording_id: string;
  status: string;
  error: string | null;
  progress: number;
  stages: StageJson[];
}

/** Polls GET /status until `done(status)` holds (the real queue runs the jobs). */
export async function waitForStatus(
  t: TestApp,
  token: string,
  id: string,
  done: (s: StatusJson) => boolean,
  timeoutMs = 45_000,
): Promise<StatusJson> {
  const until = Date.now() + timeoutMs;
  let last: StatusJson | undefined;
  while (Date.now() < until) {
    const res = await t.call('GET', `/api/v1/recordings/${id}/status`, { token });
    expect(res.statusCode, res.body).toBe(200);
    last = res.json() as StatusJson;
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`status of ${id} did not settle: ${JSON.stringify(last)}`);
}

export const stageOf = (s: StatusJson, stage: string) => s.stages.find((x) => x.stage === stage)!;

/** Every file under a directory, relative paths (empty when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out;
}

/** Stored blobs (local store layout: `<dataDir>/blobs/objects/<key>`). */
export const storedBlobs = (dataDir: string) => filesUnder(path.join(dataDir, 'blobs', 'objects'));
/** Upload spool and tus store files in flight. */
export const uploadLeftovers = (dataDir: string) => filesUnder(path.join(dataDir, 'uploads'));
