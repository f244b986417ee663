import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DetectRequest, DetectResponse, PixelBox, RawDetection, RawFace } from './human-protocol.js';
import type { DetectedFace, Detection, Detector, DetectorStatus, RgbImage } from './port.js';

const require = createRequire(import.meta.url);

/** Why Human cannot run here, or undefined when its packages are installed. */
export function humanMissing(): string | undefined {
  for (const pkg of ['@vladmandic/human', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-core']) {
    try {
      require.resolve(pkg);
    } catch {
      return `The detector package ${pkg} is not installed (npm install).`;
    }
  }
  return undefined;
}

/** The directory of Human's own models (its npm package), or undefined when not installed. */
export function humanModelsDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
  } catch {
    return undefined;
  }
}

const toBox = ([x, y, w, h]: PixelBox) => ({ x, y, w, h });

/**
 * `@vladmandic/human` (centernet for COCO objects, blazeface + faceres for faces) on
 * TensorFlow.js's WebAssembly backend, in a worker thread (human-thread.ts) started on
 * first use. Calls are answered in order, one at a time: the wasm backend is one thread
 * and a second inference beside it would only slow both.
 */
export class HumanDetector implements Detector {
  readonly name = 'human-centernet';
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private failure: string | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: { objects: RawDetection[]; faces: RawFace[] }) => void; reject: (e: Error) => void }
  >();

  status(): DetectorStatus {
    return this.failure
      ? {
          engine: null,
          available: false,
          reason: `The detector failed to load: ${this.failure}`,
          device: null,
        }
      : { engine: this.name, available: true, reason: null, device: 'cpu (wasm)' };
  }

  async detectObjects(image: RgbImage): Promise<Detection[]> {
    const r = await this.call('objects', image);
    return r.objects.map((o) => ({ label: o.label, score: o.score, box: toBox(o.box) }));
  }

  async detectFaces(image: RgbImage): Promise<DetectedFace[]> {
    const r = await this.call('faces', image);
    return r.faces.map((f) => ({
      score: f.score,
      box: toBox(f.box),
      embedding: f.embedding ? normalise(f.embedding) : null,
    }));
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    for (const p of this.pending.values()) p.reject(new Error('The detector was closed.'));
    this.pending.clear();
    await w?.terminate();
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const fromSource = import.meta.url.endsWith('.ts');
    const script = new URL(fromSource ? './human-thread.ts' : './human-thread.js', import.meta.url);
    // From source (tests, `npm run dev`) the thread is TypeScript too: a bootstrap
    // registers tsx's loader in the thread first.
    const worker = fromSource
      ? new Worker(
          `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(script.href)}); })();`,
          { eval: true },
        )
      : new Worker(script);
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: DetectResponse) => {
        if (msg.kind === 'ready') return resolve();
        if (msg.kind === 'failed') {
          this.failure = msg.error;
          return reject(new Error(msg.error));
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.kind === 'result') p.resolve(msg);
        else p.reject(new Error(`Detection failed: ${msg.error}`));
      });
      worker.on('error', (err) => {
        this.failure = err.message;
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.ready = undefined;
      });
    });
    return this.ready;
  }

  private async call(what: DetectRequest['what'], image: RgbImage) {
    await this.start();
    const worker = this.worker!;
    // A copy the thread owns: the caller's buffer may be pooled or reused.
    const rgb = image.data.slice().buffer;
    const id = this.nextId++;
    return new Promise<{ objects: RawDetection[]; faces: RawFace[] }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(
        { id, what, width: image.width, height: image.height, rgb } satisfies DetectRequest,
        [rgb],
      );
    });
  }
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}
