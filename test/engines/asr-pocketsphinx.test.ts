import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineConfig } from '../../src/engines/asr/engine-config.js';
import {
  cleanWord,
  isFiller,
  parseJsonLine,
  parseLegacyLine,
} from '../../src/engines/asr/pocketsphinx-output.js';
import {
  findPocketSphinx,
  PocketSphinxSpeechToText,
  type PocketSphinxInstall,
} from '../../src/engines/asr/pocketsphinx.js';
import { readWavInfo } from '../../src/engines/asr/wav.js';
import { wordsToSegments } from '../../src/engines/asr/words-to-segments.js';
import { AppError } from '../../src/errors.js';
import {
  acceptableWordErrorRate,
  findSynthesiser,
  synthesiseSpeech,
  wordErrorRate,
} from '../fixtures/speech.js';
import { toneAndSilence, writeWav } from './asr-audio.js';

/** Captured from `pocketsphinx_continuous -infile x.wav -time yes` (Debian 0.8+5prealpha). */
const LEGACY_OUTPUT = `the quarterly report is ready
<s> 0.000 0.450 0.999400
the 0.460 0.610 0.527201
quarterly 0.620 1.160 0.143069
report 1.170 1.570 0.378018
is 1.580 1.720 0.739164
ready 1.730 2.100 0.312380
<sil> 2.110 2.260 0.999400
</s> 2.270 2.550 1.000000
nice suit that i stopped writing
<s> 5.390 5.580 0.999200
nice(2) 5.590 5.790 0.196776
suit 5.800 6.330 0.153859
[NOISE] 6.330 6.340 0.5
that(2) 6.340 6.540 0.070545`;

/** The 5.x `pocketsphinx live` format, per its manual page. */
const JSON_OUTPUT = [
  '{"b":0.000,"d":2.550,"p":0.9,"t":"the quarterly report is ready","w":[{"b":0.000,"d":0.450,"p":0.999,"t":"<s>"},{"b":0.460,"d":0.150,"p":0.527,"t":"the"},{"b":0.620,"d":0.540,"p":0.143,"t":"quarterly"},{"b":1.170,"d":0.400,"p":0.378,"t":"report"},{"b":1.580,"d":0.140,"p":0.739,"t":"is"},{"b":1.730,"d":0.370,"p":0.312,"t":"ready(2)"},{"b":2.110,"d":0.150,"p":0.999,"t":"<sil>"}]}',
  'INFO: a stray log line',
  '{"b":5.390,"d":1.150,"p":0.5,"t":"please send","w":[{"b":5.590,"d":0.200,"p":0.2,"t":"please"},{"b":5.800,"d":0.530,"p":0.15,"t":"send"}]}',
];

describe('pocketsphinx output parsing', () => {
  it('reads the 0.8 word lines, skipping hypotheses and fillers, cleaning alternates', () => {
    const words = LEGACY_OUTPUT.split('\n')
      .map(parseLegacyLine)
      .filter((w) => w !== undefined);
    expect(words.map((w) => w.word)).toEqual([
      'the',
      'quarterly',
      'report',
      'is',
      'ready',
      'nice',
      'suit',
      'that',
    ]);
    expect(words[1]).toEqual({ start: 0.62, end: 1.16, word: 'quarterly', confidence: 0.143 });
  });

  it('reads the 5.x JSON lines, ignoring other output', () => {
    const words = JSON_OUTPUT.flatMap(parseJsonLine);
    expect(words.map((w) => w.word)).toEqual(['the', 'quarterly', 'report', 'is', 'ready', 'please', 'send']);
    expect(words[4]).toEqual({ start: 1.73, end: 2.1, word: 'ready', confidence: 0.312 });
  });

  it('knows fillers and alternate pronunciations', () => {
    for (const f of ['<s>', '</s>', '<sil>', '[NOISE]', '++BREATH++', '+COUGH+', '<unk>'])
      expect(isFiller(f)).toBe(true);
    expect(isFiller('report')).toBe(false);
    expect(cleanWord('read(2)')).toBe('read');
  });

  it('groups words into segments at pauses, and cuts long monologues', () => {
    const words = LEGACY_OUTPUT.split('\n')
      .map(parseLegacyLine)
      .filter((w) => w !== undefined);
    const segments = wordsToSegments(words);
    expect(segments.map((s) => s.text)).toEqual(['the quarterly report is ready', 'nice suit that']);
    expect(segments[0]).toMatchObject({ start: 0.46, end: 2.1 });
    expect(segments[0]!.confidence).toBeCloseTo((0.527 + 0.143 + 0.378 + 0.739 + 0.312) / 5, 3);

    const monologue = Array.from({ length: 100 }, (_, i) => ({
      start: i * 0.4,
      end: i * 0.4 + 0.35,
      word: `w${i}`,
    }));
    const cut = wordsToSegments(monologue);
    expect(cut.length).toBeGreaterThan(1);
    for (const s of cut) expect(s.end - s.start).toBeLessThanOrEqual(20.5);
  });
});

describe('pocketsphinx availability', () => {
  it('reports a missing binary and a missing model', async () => {
    const cfg = loadEngineConfig({}).asr.pocketsphinx;
    expect(await findPocketSphinx(cfg, '')).toEqual({
      ok: false,
      reason: 'no pocketsphinx or pocketsphinx_continuous on PATH',
    });
    const found = await findPocketSphinx({ ...cfg, bin: process.execPath, modelDir: '/nonexistent/model' });
    expect(found).toEqual({
      ok: false,
      reason:
        'IRIS_POCKETSPHINX_MODEL (/nonexistent/model) does not hold en-us/mdef, en-us.lm.bin and cmudict-en-us.dict',
    });
    expect(await findPocketSphinx({ ...cfg, bin: '/nonexistent/pocketsphinx' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining(
        'IRIS_POCKETSPHINX_BIN (/nonexistent/pocketsphinx) is not an executable file',
      ),
    });
  });
});

const cfg = loadEngineConfig({}).asr.pocketsphinx;
const installed = await findPocketSphinx(cfg);
const synthesiser = await findSynthesiser();
if (!installed.ok)
  console.warn(
    `[iris tests] pocketsphinx tests skipped: ${installed.reason} (apt install pocketsphinx pocketsphinx-en-us)`,
  );
if (!synthesiser)
  console.warn(
    '[iris tests] pocketsphinx speech tests skipped: no speech synthesiser (apt install flite, or espeak-ng)',
  );

describe.runIf(installed.ok)('pocketsphinx on real audio', () => {
  let dir: string;
  let engine: PocketSphinxSpeechToText;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'iris-ps-'));
    engine = new PocketSphinxSpeechToText((installed as { value: PocketSphinxInstall }).value, 120_000);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.runIf(synthesiser)('transcribes synthesised speech into timestamped segments', async () => {
    const spoken =
      'the quarterly report is ready. please send it to finance by friday. we need to review the budget next week. thanks everyone, see you on monday morning.';
    const speech = (await synthesiseSpeech(spoken, path.join(dir, 'speech.wav')))!;
    const wav = speech.path;
    const { duration } = await readWavInfo(wav);
    const progress: number[] = [];
    const started = performance.now();
    const transcript = await engine.transcribe(wav, { onProgress: (f) => progress.push(f) });
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `[iris tests] pocketsphinx (${path.basename(installed.ok ? installed.value.bin : '')}): ${duration.toFixed(1)} s of audio in ${seconds.toFixed(2)} s ` +
        `(real-time factor ${(seconds / duration).toFixed(2)}), ${speech.synthesiser} voice: "${transcript.segments.map((s) => s.text).join(' / ')}"`,
    );
    const heardText = transcript.segments.map((s) => s.text).join(' ');
    expect(wordErrorRate(spoken, heardText)).toBeLessThanOrEqual(acceptableWordErrorRate(speech.synthesiser));

    expect(transcript.language).toBe('en');
    expect(transcript.segments.length).toBeGreaterThan(0);
    let previousEnd = 0;
    for (const s of transcript.segments) {
      expect(s.start).toBeGreaterThanOrEqual(previousEnd);
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.end).toBeLessThanOrEqual(duration + 0.05);
      expect(s.text.trim()).not.toBe('');
      expect(s.confidence).toBeGreaterThanOrEqual(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
      for (const w of s.words ?? []) {
        expect(w.start).toBeGreaterThanOrEqual(s.start);
        expect(w.end).toBeLessThanOrEqual(s.end);
      }
      previousEnd = s.end;
    }
    // Whatever the voice, content words must come through (prefix match: "reported"
    // counts for "report").
    const heard = transcript.segments.flatMap((s) => s.text.toLowerCase().split(/\s+/));
    const expected = [
      'quarterly',
      'report',
      'ready',
      'please',
      'send',
      'finance',
      'friday',
      'review',
      'budget',
      'week',
      'monday',
      'morning',
      'thanks',
      'everyone',
    ];
    const recognised = expected.filter((w) => heard.some((h) => h.startsWith(w)));
    expect(recognised.length, `recognised ${recognised.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('finds no words in silence', async () => {
    const wav = path.join(dir, 'silence.wav');
    await writeWav(wav, new Int16Array(16000 * 2));
    expect((await engine.transcribe(wav)).segments).toEqual([]);
  });

  it('refuses audio that is not 16 kHz mono, and languages it has no model for', async () => {
    const wav = path.join(dir, 'cd.wav');
    await writeWav(wav, toneAndSilence(1, 44100), 44100, 1);
    const err = (await engine.transcribe(wav).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('UNPROCESSABLE');
    expect(err.message).toContain('needs 16 kHz mono 16-bit PCM WAV; got 44100 Hz');
    await expect(engine.transcribe(wav, { language: 'de' })).rejects.toThrow(/only has an English model/);
  });

  it('stops the process when the caller aborts', async () => {
    const wav = path.join(dir, 'long.wav');
    await writeWav(wav, toneAndSilence(120));
    const controller = new AbortController();
    const reason = new Error('cancelled by user');
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    await expect(engine.transcribe(wav, { signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
