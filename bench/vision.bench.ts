/**
 * Camera vision costs on real footage (Debian opencv-doc's vtest.avi, a fixed security
 * camera over a campus path, scaled to 1280x720 H.264), on this machine:
 *
 * 1. Per frame, three rounds, medians: decoding a live JPEG (960 px, what workers take)
 *    to the detector's 640 px RGB (the baseline), the motion gate (decode to 160x90 grey
 *    + running-average compare), and one detection (Human centernet on tfjs-wasm, in its
 *    thread). Ratios to the decode baseline.
 * 2. Cameras sustained: N cameras (1..IRIS_BENCH_CAMERAS, default 4) streamed by the real
 *    RTSP server in passthrough (it costs nothing), each with a real worker (ffmpeg) and
 *    the real detection sink at detect_interval 1 s, for IRIS_BENCH_SECONDS (default 30)
 *    each. Reported: detections per camera per second (1.0 is everything asked for on a
 *    scene that is always moving), live frames per camera per second (5 asked), frames
 *    skipped because the previous one was still being looked at, CPU (this process and
 *    its ffmpeg children, % of one core) and RSS per camera.
 * Run: npx tsx bench/vision.bench.ts   (needs opencv-doc and the GStreamer RTSP server)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { locateFfmpeg } from '../src/engines/ffmpeg/locate.js';
import { HumanDetector } from '../src/engines/detect/human.js';
import { CamerasRepository } from '../src/modules/vision/cameras/cameras.repository.js';
import { CAMERA_DEFAULTS } from '../src/modules/vision/cameras/cameras.types.js';
import { emptyDetectionStats } from '../src/modules/vision/detection/camera-detection.js';
import { MOTION_HEIGHT, MOTION_WIDTH, MotionGate } from '../src/modules/vision/detection/motion-gate.js';
import { CameraLeasesRepository } from '../src/modules/vision/workers/camera-leases.repository.js';
import { CameraSupervisor } from '../src/modules/vision/workers/supervisor.js';
import { CAMERA_URLS, SecretBox } from '../src/platform/crypto/secret-box.js';
import { newId } from '../src/platform/ids.js';
import { FOOTAGE, footageMissing, frameAt } from '../test/fixtures/footage.js';
import { rtspServerMissing, startRtspServer } from '../test/fixtures/rtsp/rtsp-server.js';
import { seedBenchUser } from './seed.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function perFrame(detector: HumanDetector, jpegs: Buffer[]) {
  const rounds: Array<{ decode: number; motion: number; detect: number }> = [];
  for (let r = 0; r < 3; r++) {
    const gate = new MotionGate();
    let t = performance.now();
    for (const j of jpegs) await sharp(j).resize(640).removeAlpha().raw().toBuffer();
    const decode = (performance.now() - t) / jpegs.length;
    t = performance.now();
    for (const j of jpegs) {
      const data = await sharp(j)
        .resize(MOTION_WIDTH, MOTION_HEIGHT, { fit: 'fill' })
        .greyscale()
        .raw()
        .toBuffer();
      gate.push({ width: MOTION_WIDTH, height: MOTION_HEIGHT, data });
    }
    const motion = (performance.now() - t) / jpegs.length;
    let detectMs = 0;
    for (const j of jpegs) {
      const { data, info } = await sharp(j)
        .resize(640)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const d0 = performance.now();
      await detector.detectObjects({ width: info.width, height: info.height, data });
      detectMs += performance.now() - d0;
    }
    rounds.push({ decode, motion, detect: detectMs / jpegs.length });
  }
  const decode = median(rounds.map((r) => r.decode));
  const motion = median(rounds.map((r) => r.motion));
  const detect = median(rounds.map((r) => r.detect));
  return [
    {
      step: 'decode 960 px JPEG → 640 px RGB (baseline)',
      ms_per_frame: round(decode, 2),
      ratio_to_decode: 1,
    },
    {
      step: 'motion gate (160x90 grey + compare)',
      ms_per_frame: round(motion, 2),
      ratio_to_decode: round(motion / decode, 2),
    },
    {
      step: 'detection (centernet, tfjs-wasm thread)',
      ms_per_frame: round(detect, 1),
      ratio_to_decode: round(detect / decode, 1),
    },
  ];
}

/** CPU seconds and RSS bytes of this process's ffmpeg children. */
function childUsage(): { cpu: number; rss: number } {
  const tick = 100;
  const page = 4096;
  let cpu = 0;
  let rss = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      cpu += (Number(fields[11]) + Number(fields[12])) / tick;
      rss += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * page;
    } catch {
      // gone between listing and reading
    }
  }
  return { cpu, rss };
}

async function sustained(maxCameras: number, seconds: number, clip: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-vision-bench-'));
  const secret = 'bench-secret-bench-secret-bench-secret-01';
  const config = loadConfig(
    { IRIS_DATA_DIR: dir },
    { databaseUrl: `sqlite://${dir}/iris.db`, secret, logLevel: 'silent' },
  );
  const c = await createContainer(config, pino({ level: process.env.IRIS_BENCH_LOG ?? 'silent' }));
  const { workspaceId } = await seedBenchUser(c, ['admin']);
  const rtsp = await startRtspServer({ file: clip, passthrough: true });
  const box = new SecretBox(secret, CAMERA_URLS);
  const cameras = new CamerasRepository(c.database.db);
  const rows: Array<Record<string, unknown>> = [];
  try {
    for (let n = 1; n <= maxCameras; n++) {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = newId('cam');
        ids.push(id);
        await cameras.create({
          ...CAMERA_DEFAULTS,
          name: `bench ${i}`,
          detect_interval: 1,
          id,
          workspace_id: workspaceId,
          rtsp_url_sealed: box.seal(rtsp.url(), id),
          rtsp_url_masked: rtsp.url(),
          created_by: null,
        });
      }
      const stats = c.vision.detectionStats;
      const supervisor = new CameraSupervisor({
        cameras,
        leases: new CameraLeasesRepository(c.database.db),
        box,
        logger: c.logger,
        holder: 'bench',
        pollMs: 500,
        sink: (camera) => c.vision.sinkFor(camera),
      });
      supervisor.start();
      // Let every stream connect and the detector load.
      await new Promise((r) => setTimeout(r, 5000));
      Object.assign(stats, emptyDetectionStats());
      const cpu0 = process.cpuUsage();
      const child0 = childUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const wall = (performance.now() - t0) / 1000;
      const own = process.cpuUsage(cpu0);
      const child1 = childUsage();
      const cpuPct = (((own.user + own.system) / 1e6 + (child1.cpu - child0.cpu)) / wall) * 100;
      rows.push({
        cameras: n,
        detections_per_camera_s: round(stats.detections / n / wall, 2),
        live_fps_per_camera: round(stats.frames / n / wall, 1),
        skipped_busy_pct: round((stats.skippedBusy / Math.max(1, stats.frames)) * 100, 0),
        detect_ms_avg: round(stats.detectMs / Math.max(1, stats.detections), 0),
        cpu_pct_of_one_core: round(cpuPct, 0),
        cpu_pct_per_camera: round(cpuPct / n, 0),
        rss_mb_total: round((process.memoryUsage().rss + child1.rss) / 2 ** 20, 0),
        ffmpeg_rss_mb_per_camera: round(child1.rss / n / 2 ** 20, 0),
      });
      await supervisor.close();
      for (const id of ids) await cameras.delete(id);
    }
  } finally {
    await rtsp.stop();
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export async function run() {
  const why = footageMissing() ?? rtspServerMissing();
  if (why) return { skipped: why };
  const work = mkdtempSync(path.join(os.tmpdir(), 'iris-vision-clip-'));
  try {
    const clip = path.join(work, 'street-720p.mp4');
    const ffmpeg = await locateFfmpeg();
    // prettier-ignore
    execFileSync(ffmpeg.path, ['-loglevel', 'error', '-y', '-i', FOOTAGE.street, '-vf', 'scale=1280:720', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '20', '-pix_fmt', 'yuv420p', '-an', clip]);
    const jpegs = await Promise.all(
      [2, 6, 10, 14, 18, 22, 26, 30].map(async (s) =>
        sharp(await frameAt(clip, s))
          .resize(960)
          .jpeg({ quality: 75 })
          .toBuffer(),
      ),
    );
    const detector = new HumanDetector();
    const frames = await perFrame(detector, jpegs);
    await detector.close();
    console.table(frames);
    const cameras = await sustained(
      Number(process.env.IRIS_BENCH_CAMERAS ?? 4),
      Number(process.env.IRIS_BENCH_SECONDS ?? 30),
      clip,
    );
    return cameras;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
