import { writeFile } from 'node:fs/promises';
import { wavHeader } from '../../src/engines/asr/wav.js';

/** Audio written by hand as PCM (spoken audio comes from test/fixtures/speech.ts). */
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
