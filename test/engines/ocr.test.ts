import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../../src/engines/ffmpeg/errors.js';
import type { OcrEngine, OcrResult } from '../../src/engines/ocr/port.js';
import { createOcrEngine, ocrAvailability } from '../../src/engines/ocr/select.js';
import { createTesseractCli, locateTesseract } from '../../src/engines/ocr/tesseract-cli.js';
import { createTesseractJs } from '../../src/engines/ocr/tesseract-js.js';
import { parseTesseractTsv } from '../../src/engines/ocr/tsv.js';
import { makeTextImage, tempDir } from '../fixtures/media.js';

const cliVersion = await locateTesseract().then(
  (b) => b.version,
  () => undefined,
);
if (!cliVersion) {
  console.warn(
    '[ocr.test] tesseract CLI not found: the tesseract-cli suite is SKIPPED. ' +
      'Install it with `apt-get install -y tesseract-ocr` to run it (CI does).',
  );
}

const INVOICE = ['Invoice 4821', 'https://example.com/pricing', 'Total due: 1,250 EUR'];
const REPORT = ['Quarterly Report', 'Revenue grew 12 percent'];

let dir: string;
let invoice: string;
let report: string;
let blank: string;

beforeAll(async () => {
  dir = await tempDir('iris-ocr-');
  [invoice, report] = await Promise.all([
    makeTextImage(path.join(dir, 'invoice.png'), INVOICE),
    makeTextImage(path.join(dir, 'report.jpg'), REPORT),
  ]);
  blank = path.join(dir, 'blank.png');
  await sharp({ create: { width: 640, height: 360, channels: 3, background: '#ffffff' } })
    .png()
    .toFile(blank);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const words = (r: OcrResult) => r.lines.flatMap((l) => l.words);

/** The contract both adapters must meet, on real images. */
function engineContract(name: 'tesseract-cli' | 'tesseract-js', make: () => Promise<OcrEngine>) {
  let engine: OcrEngine;

  beforeAll(async () => {
    engine = await make();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it(`${name}: reads the drawn words with boxes and confidences`, async () => {
    const r = await engine.recognize(invoice);
    expect(engine.name).toBe(name);
    expect(engine.version).toMatch(/\d/);
    expect(r.text).toContain('Invoice 4821');
    expect(r.text).toContain('example.com/pricing');
    expect(r.text).toMatch(/Total due/);
    expect(r).toMatchObject({ width: 1280, height: 720 });
    expect(r.confidence).toBeGreaterThan(0.6);
    expect(r.confidence).toBeLessThanOrEqual(1);
    expect(r.duration_ms).toBeGreaterThan(0);

    // drawtext put line i at x=80, y=90+i*99 (font size 55): the boxes must say so.
    const inv = words(r).find((w) => w.text === 'Invoice');
    expect(inv?.box.x).toBeGreaterThanOrEqual(75);
    expect(inv?.box.x).toBeLessThan(100);
    expect(inv?.box.y).toBeGreaterThanOrEqual(85);
    expect(inv?.box.y).toBeLessThan(110);
    expect(inv?.box.h).toBeGreaterThan(25);
    expect(inv?.box.w).toBeGreaterThan(inv?.box.h ?? 0);
    const url = r.lines.find((l) => l.text.includes('example.com'));
    expect(url?.box.y).toBeGreaterThan(180);
    expect(url?.box.y).toBeLessThan(210);
    for (const line of r.lines) {
      expect(line.words.length).toBeGreaterThan(0);
      expect(line.box.x + line.box.w).toBeLessThanOrEqual(1280);
      expect(line.box.y + line.box.h).toBeLessThanOrEqual(720);
      expect(line.confidence).toBeGreaterThan(0);
    }
    console.info(`[ocr.test] ${name} ${engine.version}: ${r.duration_ms} ms for a 1280×720 frame`);
  });

  it(`${name}: recognizeMany keeps order, accepts JPEG and PNG, and returns empty results for blank frames`, async () => {
    const rs = await engine.recognizeMany([report, invoice, blank, report]);
    expect(rs).toHaveLength(4);
    expect(rs[0]?.text).toContain('Quarterly Report');
    expect(rs[1]?.text).toContain('Invoice 4821');
    expect(rs[2]).toMatchObject({ text: '', confidence: 0, lines: [] });
    expect(rs[3]?.text).toBe(rs[0]?.text);
  });

  it(`${name}: stops on abort with the signal's reason and keeps working afterwards`, async () => {
    const ac = new AbortController();
    const reason = new Error('frame cancelled');
    const p = engine.recognize(invoice, { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 20);
    await expect(p).rejects.toBe(reason);
    const again = await engine.recognize(report);
    expect(again.text).toContain('Quarterly Report');
  });

  it(`${name}: reports an unreadable image as an error`, async () => {
    const junk = path.join(dir, `junk-${name}.png`);
    await fs.writeFile(junk, 'not an image');
    await expect(engine.recognize(junk)).rejects.toThrow();
    // The engine survives a bad frame.
    expect((await engine.recognize(report)).text).toContain('Quarterly');
  });
}

describe.skipIf(!cliVersion)('tesseract CLI adapter', () => {
  engineContract('tesseract-cli', () => createTesseractCli());

  it('tesseract-cli: batches with several processes when asked', async () => {
    const engine = await createTesseractCli({ concurrency: 2, batchSize: 2 });
    const rs = await engine.recognizeMany([invoice, report, invoice, report, blank]);
    expect(rs.map((r) => r.text.split('\n')[0])).toEqual([
      'Invoice 4821',
      'Quarterly Report',
      'Invoice 4821',
      'Quarterly Report',
      '',
    ]);
  });
});

describe('tesseract.js adapter (offline, local language data)', () => {
  engineContract('tesseract-js', () => createTesseractJs());

  it('tesseract-js: refuses a language directory without data instead of downloading', async () => {
    await expect(createTesseractJs({ langPath: dir })).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

describe('engine selection', () => {
  it('auto picks the CLI when present, else tesseract.js', async () => {
    if (process.env.IRIS_TESSERACT_PATH && !cliVersion) {
      // A broken explicit path is reported, not routed around.
      await expect(createOcrEngine('auto')).rejects.toBeInstanceOf(EngineUnavailableError);
      return;
    }
    const engine = await createOcrEngine('auto');
    try {
      expect(engine.name).toBe(cliVersion ? 'tesseract-cli' : 'tesseract-js');
    } finally {
      await engine.close();
    }
  });

  it('auto falls back to tesseract.js when no CLI is on PATH; an explicit CLI choice says how to install it', async () => {
    const env = { PATH: '', IRIS_TESSERACT_PATH: undefined };
    const engine = await createOcrEngine('auto', { env });
    try {
      expect(engine.name).toBe('tesseract-js');
    } finally {
      await engine.close();
    }
    const err = await createOcrEngine('tesseract-cli', { env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toMatch(/apt-get install tesseract-ocr/);
    const broken = { PATH: '', IRIS_TESSERACT_PATH: '/nonexistent/tesseract' };
    await expect(createOcrEngine('auto', { env: broken })).rejects.toThrow(/IRIS_TESSERACT_PATH is set but/);
  });

  it('reports availability without starting anything', async () => {
    const av = await ocrAvailability();
    expect(av.find((a) => a.engine === 'tesseract-js')).toMatchObject({ available: true });
    expect(av.find((a) => a.engine === 'tesseract-cli')?.available).toBe(Boolean(cliVersion));
  });
});

describe('TSV parsing', () => {
  it('groups words into lines with boxes, blocks separated by a blank line', () => {
    const tsv = [
      'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
      '1\t1\t0\t0\t0\t0\t0\t0\t1280\t720\t-1\t',
      '4\t1\t1\t1\t1\t0\t85\t100\t352\t44\t-1\t',
      '5\t1\t1\t1\t1\t1\t85\t100\t193\t44\t96.0\tInvoice',
      '5\t1\t1\t1\t1\t2\t302\t101\t135\t43\t92.0\t4821',
      '5\t1\t1\t1\t1\t3\t450\t101\t10\t43\t95.0\t ',
      '4\t1\t2\t1\t1\t0\t84\t300\t555\t38\t-1\t',
      '5\t1\t2\t1\t1\t1\t84\t300\t555\t38\t91.5\thttps://example.com/pricing',
      '1\t2\t0\t0\t0\t0\t0\t0\t640\t360\t-1\t',
    ].join('\n');
    const pages = parseTesseractTsv(tsv);
    expect(pages.get(1)).toEqual({
      text: 'Invoice 4821\n\nhttps://example.com/pricing',
      confidence: 0.932,
      width: 1280,
      height: 720,
      lines: [
        {
          text: 'Invoice 4821',
          confidence: 0.94,
          box: { x: 85, y: 100, w: 352, h: 44 },
          words: [
            { text: 'Invoice', confidence: 0.96, box: { x: 85, y: 100, w: 193, h: 44 } },
            { text: '4821', confidence: 0.92, box: { x: 302, y: 101, w: 135, h: 43 } },
          ],
        },
        {
          text: 'https://example.com/pricing',
          confidence: 0.915,
          box: { x: 84, y: 300, w: 555, h: 38 },
          words: [
            { text: 'https://example.com/pricing', confidence: 0.915, box: { x: 84, y: 300, w: 555, h: 38 } },
          ],
        },
      ],
    });
    expect(pages.get(2)).toEqual({ text: '', confidence: 0, width: 640, height: 360, lines: [] });
  });
});
