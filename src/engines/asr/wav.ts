import { open } from 'node:fs/promises';
import { AppError } from '../../errors.js';

/**
 * Just enough RIFF/WAVE to check the input format, know the duration (for progress
 * and sanity checks) and cut a long file into pieces without decoding it.
 */
export interface WavInfo {
  /** 1 = PCM, 0xfffe = WAVE_FORMAT_EXTENSIBLE (ffmpeg writes it for some layouts). */
  format: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of sample data actually present in the file. */
  dataBytes: number;
  duration: number;
}

const HEADER_PROBE_BYTES = 64 * 1024;

export async function readWavInfo(path: string): Promise<WavInfo> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    await fh.read(buf, 0, buf.length, 0);
    if (
      buf.length < 12 ||
      buf.toString('ascii', 0, 4) !== 'RIFF' ||
      buf.toString('ascii', 8, 12) !== 'WAVE'
    ) {
      throw notWav('the file is not a RIFF/WAVE file');
    }
    let fmt: Pick<WavInfo, 'format' | 'sampleRate' | 'channels' | 'bitsPerSample'> | undefined;
    let offset = 12;
    while (offset + 8 <= buf.length) {
      const id = buf.toString('ascii', offset, offset + 4);
      const chunkSize = buf.readUInt32LE(offset + 4);
      const body = offset + 8;
      if (id === 'fmt ' && body + 16 <= buf.length) {
        fmt = {
          format: buf.readUInt16LE(body),
          channels: buf.readUInt16LE(body + 2),
          sampleRate: buf.readUInt32LE(body + 4),
          bitsPerSample: buf.readUInt16LE(body + 14),
        };
      } else if (id === 'data') {
        if (!fmt) throw notWav('the data chunk comes before the fmt chunk');
        // A WAV written to a pipe has a placeholder size (0 or 0xffffffff), and a
        // truncated file has less than it claims: trust the file size over the header.
        const present = size - body;
        const dataBytes =
          chunkSize === 0 || chunkSize === 0xffffffff ? present : Math.min(chunkSize, present);
        const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
        return {
          ...fmt,
          dataOffset: body,
          dataBytes,
          duration: bytesPerSecond ? dataBytes / bytesPerSecond : 0,
        };
      }
      offset = body + chunkSize + (chunkSize % 2); // chunks are word-aligned
    }
    throw notWav('no data chunk in the first 64 KB');
  } finally {
    await fh.close();
  }
}

/** The engines are fed 16 kHz mono 16-bit PCM; anything else is a bug upstream, said plainly. */
export function assertSpeechWav(info: WavInfo, engine: string): void {
  const pcm = info.format === 1 || info.format === 0xfffe;
  if (!pcm || info.sampleRate !== 16000 || info.channels !== 1 || info.bitsPerSample !== 16) {
    throw new AppError(
      'UNPROCESSABLE',
      `${engine} needs 16 kHz mono 16-bit PCM WAV; got ${info.sampleRate} Hz, ${info.channels} channel(s), ` +
        `${info.bitsPerSample}-bit, format ${info.format}.`,
    );
  }
}

/** A canonical 44-byte PCM header, for pieces cut out of a larger file. */
export function wavHeader(
  info: Pick<WavInfo, 'sampleRate' | 'channels' | 'bitsPerSample'>,
  dataBytes: number,
): Buffer {
  const h = Buffer.alloc(44);
  const blockAlign = info.channels * (info.bitsPerSample / 8);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(info.channels, 22);
  h.writeUInt32LE(info.sampleRate, 24);
  h.writeUInt32LE(info.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(info.bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * The quietest 50 ms window within ±`radius` seconds of `around` (16-bit mono only):
 * cutting there rather than at a fixed second avoids splitting a word between pieces.
 */
export async function quietestPoint(
  path: string,
  info: WavInfo,
  around: number,
  radius: number,
): Promise<number> {
  const from = Math.max(0, around - radius);
  const to = Math.min(info.duration, around + radius);
  const bytesPerSecond = info.sampleRate * 2;
  const start = info.dataOffset + Math.floor(from * info.sampleRate) * 2;
  const length = Math.floor((to - from) * info.sampleRate) * 2;
  if (length <= 0) return around;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    const windowBytes = Math.floor(bytesPerSecond * 0.05) & ~1;
    let best = around;
    let bestEnergy = Infinity;
    for (let w = 0; w + windowBytes <= bytesRead; w += windowBytes) {
      let energy = 0;
      for (let i = w; i < w + windowBytes; i += 2) energy += Math.abs(buf.readInt16LE(i));
      if (energy < bestEnergy) {
        bestEnergy = energy;
        best = from + (w + windowBytes / 2) / bytesPerSecond;
      }
    }
    return best;
  } finally {
    await fh.close();
  }
}

function notWav(why: string): AppError {
  return new AppError('UNPROCESSABLE', `Speech-to-text input is not a usable WAV file: ${why}.`);
}
