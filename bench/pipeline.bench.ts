/**
 * The recordings pipeline end to end on the real server (SQLite, local disk, database
 * queue, a child process so its RSS is its own):
 * - a generated 60-second 720p screen-style recording with speech (slides of text;
 *   flite or espeak-ng narration when installed, a tone otherwise) is uploaded and
 *   processed: wall time ÷ media duration, time per stage, frames kept vs frames OCR'd,
 *   and the transcript's word error rate against the narration;
 * - a 1 GB upload (rawvideo in NUT: valid media, generated quickly) streamed with
 *   multipart: throughput against a bare Node HTTP server writing the body to disk in
 *   the same run, and the server's peak RSS during it.
 * Run: npx tsx bench/pipeline.bench.ts   (IRIS_BENCH_UPLOAD_MB to change the 1 GB,
 * IRIS_BENCH_SECONDS_MEDIA for the 60 s)
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer } from '../src/server.js';
import { makeSlidesVideo, npmFfmpeg } from '../test/fixtures/media.js';
import { synthesiseSpeech, wordErrorRate } from '../test/fixtures/speech.js';
import { seedBenchUser } from './seed.js';

const exec = promisify(execFile);
const MB = 1024 * 1024;

interface Target {
  url: string;
  key: string;
  pid: number;
}

interface StageJson {
  stage: string;
  state: string;
  engine: string | null;
  duration_ms: number | null;
  error: string | null;
}

/**
 * Child side: the real server with one write+admin key. The upload run uses the `api`
 * role (no workers), so processing the 1 GB file neither competes for the CPU nor
 * counts in the RSS being measured.
 */
async function serve(role: 'serve' | 'api'): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-pipeline-'));
  const server = await startServer(role, {
    env: { IRIS_DATA_DIR: dir, IRIS_PORT: '0', IRIS_LOG_LEVEL: 'warn' },
  });
  server.container.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
  const { key } = await seedBenchUser(server.container, ['read', 'write', 'admin']);
  process.send?.({ url: server.address ?? '', key, pid: process.pid } satisfies Target);
  process.once('disconnect', () => {
    void server.stop().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

/** Peak and current resident set of a process, from /proc (Linux). */
async function memoryOf(pid: number): Promise<{ peakMb: number; rssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** A count the stages keep under `media.derived.<stage>.<field>` (see the frames and ocr stages). */
function derived(media: Record<string, unknown> | null, stage: string, field: string): number | null {
  const d = (media?.['derived'] as Record<string, Record<string, unknown> | undefined> | undefined)?.[stage];
  const v = d?.[field];
  return typeof v === 'number' ? v : null;
}

const NARRATION = [
  'Welcome to the quarterly roadmap review.',
  'We launch the search dashboard in March and it is on track.',
  'Invoice forty four seventy one from Northwind Traders is approved.',
  'The deploy finished in forty two seconds.',
  'We plan to hire two backend engineers and one designer.',
  'Please send the budget to finance and book the launch review.',
].join(' ');

/** Slides with screen-like text plus narration muxed in, as one MP4, and who spoke it. */
async function makeScreenRecording(dir: string, seconds: number): Promise<{ file: string; voice: string }> {
  const per = seconds / 6;
  const slides = [
    ['Quarterly Roadmap Review', 'https://intranet.example.com/roadmap', 'Owner: Priya'],
    ['Search dashboard launch', 'Milestone: March 14', 'Status: on track'],
    ['Invoice 4471 approved', 'Vendor: Northwind Traders', 'Total due: 12,400 EUR'],
    ['Terminal - bash', '$ npm run deploy', 'Deploy finished in 42s'],
    ['Hiring plan', 'Two backend engineers', 'One designer'],
    ['Action items', 'Send the budget to finance', 'Book the launch review'],
  ].map((lines) => ({ lines, seconds: per }));
  const video = await makeSlidesVideo(path.join(dir, 'slides.mp4'), slides, { audio: false });
  const out = path.join(dir, 'screen.mp4');
  const speech = await synthesiseSpeech(NARRATION, path.join(dir, 'speech.wav'));
  const audioInput = speech
    ? ['-i', speech.path]
    : ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`];
  // prettier-ignore
  await exec(npmFfmpeg(), [
    '-hide_banner', '-v', 'error', '-y', '-i', video, ...audioInput,
    '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-af', 'apad', '-t', String(seconds), out,
  ]);
  return { file: out, voice: speech?.synthesiser ?? 'none (a tone)' };
}

async function transcriptOf(target: Target, id: string): Promise<string> {
  const ctx = await api<{ transcript: { text: string }[] | null }>(
    target,
    'GET',
    `/recordings/${id}/context`,
  );
  return (ctx.transcript ?? []).map((s) => s.text).join(' ');
}

/** Valid media of about `mb` megabytes, fast to make: raw 720p frames in a NUT container. */
async function makeLargeMedia(dir: string, mb: number): Promise<string> {
  const frameBytes = 1280 * 720 * 1.5;
  const frames = Math.ceil((mb * MB) / frameBytes);
  const out = path.join(dir, 'large.nut');
  // prettier-ignore
  await exec(npmFfmpeg(), [
    '-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=25',
    '-frames:v', String(frames), '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

/** A multipart body streamed from disk: title field, then the file. */
function multipartStream(file: string, title: string): { body: Readable; type: string; length: number } {
  const boundary = `----irisbench${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${title}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* createReadStream(file, { highWaterMark: MB });
    yield tail;
  }
  return {
    body: Readable.from(parts()),
    type: `multipart/form-data; boundary=${boundary}`,
    length: head.length + statSync(file).size + tail.length,
  };
}

/** POSTs a file as a stream with node:http (fetch would need duplex streaming quirks). */
function postFile(
  url: string,
  file: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const { body, type, length } = multipartStream(file, path.basename(file));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { ...headers, 'content-type': type, 'content-length': length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    body.on('error', reject);
    body.pipe(req);
  });
}

/** The baseline: a bare Node server writing the request body to disk. */
async function bareUpload(file: string, dir: string): Promise<number> {
  const server = http.createServer((req, res) => {
    void pipeline(req, createWriteStream(path.join(dir, 'bare.bin'))).then(() => res.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const t0 = performance.now();
  await postFile(`http://127.0.0.1:${port}/`, file, {});
  const seconds = (performance.now() - t0) / 1000;
  server.close();
  rmSync(path.join(dir, 'bare.bin'), { force: true });
  return statSync(file).size / MB / seconds;
}

async function api<T>(target: Target, method: string, route: string): Promise<T> {
  const res = await fetch(`${target.url}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${target.key}` },
  });
  if (!res.ok && res.status !== 204) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as T;
}

async function waitSettled(target: Target, id: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await api<{ status: string; stages: StageJson[] }>(target, 'GET', `/recordings/${id}/status`);
    if (s.status === 'ready' || s.status === 'failed') return s;
    if (Date.now() > until) throw new Error(`recording ${id} still ${s.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startChild(role: 'serve' | 'api'): Promise<{ child: ChildProcess; target: Target }> {
  const child = fork(fileURLToPath(import.meta.url), [`--serve=${role}`], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const target = await new Promise<Target>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Target));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, target };
}

export async function run(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.IRIS_BENCH_SECONDS_MEDIA ?? 60);
  const uploadMb = Number(process.env.IRIS_BENCH_UPLOAD_MB ?? 1024);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-media-'));
  const children: ChildProcess[] = [];
  try {
    const processing = await startChild('serve');
    children.push(processing.child);
    const target = processing.target;
    const auth = { authorization: `Bearer ${target.key}` };

    // 1. Processing a 60 s screen recording.
    const screen = await makeScreenRecording(dir, seconds);
    const t0 = performance.now();
    const created = await postFile(`${target.url}/api/v1/recordings`, screen.file, auth);
    if (created.status !== 201) throw new Error(`upload failed: ${created.status} ${created.body}`);
    const { id } = JSON.parse(created.body) as { id: string };
    const status = await waitSettled(target, id, 30 * 60_000);
    const wall = (performance.now() - t0) / 1000;
    const frames = await api<{ pagination: { total: number }; items: { ocr_text: string | null }[] }>(
      target,
      'GET',
      `/recordings/${id}/frames?limit=500`,
    ).catch(() => null);
    const rec = await api<{ media: Record<string, unknown> | null }>(target, 'GET', `/recordings/${id}`);
    const heard = await transcriptOf(target, id);

    // 2. A 1 GB upload: throughput vs a bare server, and the server's peak RSS.
    const large = await makeLargeMedia(dir, uploadMb);
    const bareMbps = await bareUpload(large, dir);
    const uploading = await startChild('api');
    children.push(uploading.child);
    const upTarget = uploading.target;
    const before = await memoryOf(upTarget.pid);
    const u0 = performance.now();
    const big = await postFile(`${upTarget.url}/api/v1/recordings`, large, {
      authorization: `Bearer ${upTarget.key}`,
    });
    const uploadSeconds = (performance.now() - u0) / 1000;
    const after = await memoryOf(upTarget.pid);
    const irisMbps = statSync(large).size / MB / uploadSeconds;

    return {
      media_seconds: seconds,
      status: status.status,
      processing_wall_seconds: Number(wall.toFixed(1)),
      wall_over_duration: Number((wall / seconds).toFixed(2)),
      stages: Object.fromEntries(
        status.stages.map((s) => [
          s.stage,
          `${s.state} ${s.duration_ms === null ? '-' : (s.duration_ms / 1000).toFixed(1) + ' s'} (${s.engine ?? '-'})${s.error ? ` ${s.error.slice(0, 80)}` : ''}`,
        ]),
      ),
      frames_kept: frames?.pagination.total ?? null,
      frames_with_text: frames?.items.filter((f) => (f.ocr_text ?? '').trim().length > 0).length ?? null,
      frames_sampled: derived(rec.media, 'frames', 'sampled'),
      frames_ocrd: derived(rec.media, 'ocr', 'frames'),
      narration_voice: screen.voice,
      transcript_word_error_rate: heard ? Number(wordErrorRate(NARRATION, heard).toFixed(2)) : null,
      upload_mb: Math.round(statSync(large).size / MB),
      upload_status: big.status,
      upload_mb_per_second: Number(irisMbps.toFixed(1)),
      bare_node_mb_per_second: Number(bareMbps.toFixed(1)),
      upload_ratio_vs_bare: Number((irisMbps / bareMbps).toFixed(2)),
      server_rss_before_mb: Math.round(before.rssMb),
      server_peak_rss_mb: Math.round(after.peakMb),
    };
  } finally {
    for (const child of children) child.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

const serveArg = process.argv.find((a) => a.startsWith('--serve='));
if (serveArg) {
  await serve(serveArg === '--serve=api' ? 'api' : 'serve');
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run(), null, 2));
}
