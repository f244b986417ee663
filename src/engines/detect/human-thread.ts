/**
 * The detector's thread: `@vladmandic/human` on TensorFlow.js's WebAssembly backend,
 * with its own COCO (centernet) and face (blazeface + faceres) models, loaded from its
 * npm package. It runs here, not on the main thread, because one inference takes
 * 100-300 ms of CPU that would stall every HTTP request.
 *
 * Traps (DESIGN.md): its exports map is broken, so the wasm build is required by path;
 * `wasmPath` must point at the local tfjs-backend-wasm files (the default is a CDN); and
 * Node's fetch cannot read file:// URLs, so the models are served to it from loopback
 * while they load, then the server is closed.
 */
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { DetectRequest, DetectResponse, RawDetection, RawFace } from './human-protocol.js';

const require = createRequire(import.meta.url);

interface HumanTensor {
  dispose(): void;
}
interface HumanResult {
  object: Array<{ score: number; label: string; box: [number, number, number, number] }>;
  face: Array<{ score: number; box: [number, number, number, number]; embedding?: number[] }>;
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: HumanTensor, config?: object): Promise<HumanResult>;
  tf: {
    tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): HumanTensor;
    getBackend(): string;
  };
  version: string;
}

function humanDir(): string {
  // Resolves (through the broken map's "node" condition) to dist/human.node.js.
  return path.dirname(require.resolve('@vladmandic/human'));
}

async function serveModels(dir: string): Promise<{ base: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent((req.url ?? '').split('?')[0] ?? ''));
    if (!/^[\w.-]+\.(json|bin)$/.test(name)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    createReadStream(path.join(dir, name))
      .on('error', () => {
        res.statusCode = 404;
        res.end();
      })
      .pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** Every cache and frame-skipping of Human off: each call looks at its frame afresh. */
const FRESH = { skipFrames: 0, skipTime: 0 };

async function load(): Promise<HumanInstance> {
  const dist = humanDir();
  const { Human } = require(path.join(dist, 'human.node-wasm.js')) as {
    Human: new (config: object) => HumanInstance;
  };
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const models = await serveModels(path.join(dist, '..', 'models'));
  try {
    const human = new Human({
      backend: 'wasm',
      wasmPath: `${wasmDir}/`,
      modelBasePath: models.base,
      debug: false,
      cacheSensitivity: 0,
      filter: { enabled: false },
      face: {
        enabled: true,
        detector: { enabled: true, rotation: false, maxDetected: 20, minConfidence: 0.3, ...FRESH },
        mesh: { enabled: false },
        iris: { enabled: false },
        description: { enabled: true, ...FRESH },
        emotion: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      gesture: { enabled: false },
      segmentation: { enabled: false },
      object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.2, maxDetected: 100, ...FRESH },
    });
    await human.load();
    return human;
  } finally {
    models.close();
  }
}

const port = parentPort;
if (!port) throw new Error('human-thread.ts runs as a worker thread');
const ready = load();
ready.then(
  (h) =>
    port.postMessage({
      kind: 'ready',
      version: h.version,
      backend: h.tf.getBackend(),
    } satisfies DetectResponse),
  (err: unknown) =>
    port.postMessage({
      kind: 'failed',
      error: String((err as Error)?.message ?? err),
    } satisfies DetectResponse),
);

port.on('message', (msg: DetectRequest) => {
  void (async () => {
    try {
      const human = await ready;
      const tensor = human.tf.tensor3d(new Uint8Array(msg.rgb), [msg.height, msg.width, 3], 'int32');
      try {
        const started = performance.now();
        const result = await human.detect(
          tensor,
          msg.what === 'objects'
            ? { face: { enabled: false }, object: { enabled: true } }
            : { object: { enabled: false }, face: { enabled: true } },
        );
        const objects: RawDetection[] =
          msg.what === 'objects'
            ? result.object.map((o) => ({ label: o.label, score: o.score, box: o.box }))
            : [];
        const faces: RawFace[] =
          msg.what === 'faces'
            ? result.face.map((f) => ({
                score: f.score,
                box: f.box,
                embedding: f.embedding ? Float32Array.from(f.embedding) : null,
              }))
            : [];
        port.postMessage({
          kind: 'result',
          id: msg.id,
          objects,
          faces,
          ms: performance.now() - started,
        } satisfies DetectResponse);
      } finally {
        tensor.dispose();
      }
    } catch (err) {
      port.postMessage({
        kind: 'error',
        id: msg.id,
        error: String((err as Error)?.message ?? err),
      } satisfies DetectResponse);
    }
  })();
});
