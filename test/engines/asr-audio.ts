import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { wavHeader } from '../../src/engines/asr/wav.js';
import { findExecutable } from '../../src/engines/asr/which.js';

/** Audio fixtures made by the tests: PCM written by hand, or speech from espeak-ng. */
const run = promisify(execFile);

export async function writeWav(
  path: string,
  samples: Int16Array,
  sampleRate = 16000,
  channels = 1,
): Promise<void> {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  await writeFile(
    path,
    Buffer.concat([wavHeader({ sampleRate, channels, bitsPerSample: 16 }, data.length), data]),
  );
}

/** Alternating bursts of tone and silence: something with quiet points to cut at. */
export function toneAndSilence(seconds: number, sampleRate = 16000, burst = 1.5, gap = 0.5): Int16Array {
  const out = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    const inBurst = t % (burst + gap) < burst;
    out[i] = inBurst ? Math.round(8000 * Math.sin(2 * Math.PI * 440 * t)) : 0;
  }
  return out;
}

/**
 * Speech from espeak-ng as 16 kHz mono WAV (sox when installed, else the npm ffmpeg),
 * with half a second of silence either side; undefined when espeak-ng is missing.
 * Voice en+m1 at 140 words a minute is the one pocketsphinx's en-us model recognises
 * best on this synthesiser (measured over a handful of voices and rates).
 */
export async function synthesiseSpeech(text: string, out: string): Promise<string | undefined> {
  const espeak = await findExecutable('espeak-ng');
  if (!espeak) return undefined;
  const raw = `${out}.espeak.wav`;
  await run(espeak, ['-v', 'en+m1', '-s', '140', '-w', raw, text]);
  const sox = await findExecutable('sox');
  if (sox) await run(sox, [raw, '-r', '16000', '-c', '1', '-b', '16', out, 'pad', '0.5', '0.5']);
  else {
    await run(ffmpeg.path, [
      '-v',
      'error',
      '-y',
      '-i',
      raw,
      '-af',
      'adelay=500,apad=pad_len=11025',
      '-ar',
      '16000',
      '-ac',
      '1',
      '-c:a',
      'pcm_s16le',
      '-bitexact',
      '-map_metadata',
      '-1',
      out,
    ]);
  }
  return out;
}
