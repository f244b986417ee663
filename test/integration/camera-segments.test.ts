import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/engines/ffmpeg/command.js';
import { SegmentBuffer } from '../../src/modules/vision/recording/segment-buffer.js';
import { CameraWorker } from '../../src/modules/vision/workers/camera-worker.js';
import { FOOTAGE, footageMissing } from '../fixtures/footage.js';
import { rtspServerMissing, startRtspServer, type RtspServer } from '../fixtures/rtsp/rtsp-server.js';

/**
 * A camera whose H.264 has B-frames (High profile, as some cameras and every default
 * x264 encode send), relayed as it is: its first RTP packets carry no timestamps, which
 * once made the segment buffer's MPEG-TS output refuse the stream and took the whole
 * worker (live view included) down. It must stream and fill the buffer.
 */
const why = rtspServerMissing() ?? footageMissing();

describe.runIf(!why)('a camera sending B-frames', () => {
  let dir: string;
  let rtsp: RtspServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bframes-'));
    const clip = path.join(dir, 'bframes.mp4');
    // prettier-ignore
    await runFfmpeg(
      ['-i', FOOTAGE.street, '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '3', '-g', '20', '-pix_fmt', 'yuv420p', '-an', clip],
      { what: 'Encoding with B-frames' },
    );
    rtsp = await startRtspServer({ file: clip, passthrough: true });
  }, 60_000);
  afterAll(async () => {
    await rtsp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams frames and keeps segments', async () => {
    const buffer = new SegmentBuffer(path.join(dir, 'segments'));
    await buffer.init();
    let frames = 0;
    const states: string[] = [];
    const worker = new CameraWorker({
      cameraId: 'cam_bframes',
      workerId: 'test',
      url: rtsp.url(),
      transport: 'tcp',
      beat: async (h) => void states.push(h.state),
      logger: pino({ level: 'silent' }),
      onFrame: () => frames++,
      extraOutputs: buffer.ffmpegOutput(),
    });
    worker.start();
    try {
      for (let i = 0; i < 100 && (await buffer.segments()).length < 3; i++)
        await new Promise((r) => setTimeout(r, 200));
    } finally {
      await worker.stop();
    }
    expect((await buffer.segments()).length, JSON.stringify(states.slice(-3))).toBeGreaterThanOrEqual(3);
    expect(frames).toBeGreaterThan(10);
    expect(states).not.toContain('error');
  }, 60_000);
});
