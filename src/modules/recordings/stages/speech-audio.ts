import { readWavInfo } from '../../../engines/asr/wav.js';
import { runFfmpeg } from '../../../engines/ffmpeg/command.js';
import { inputUrl, outputUrl, writeAtomically } from '../../../engines/ffmpeg/paths.js';
import { probe } from '../../../engines/ffmpeg/probe.js';
import type { FfmpegProgress } from '../../../engines/ffmpeg/progress.js';

/** Plain WAV sizes are 32-bit: 16 kHz mono 16-bit PCM overflows them after ~37 hours. */
const PLAIN_WAV_MAX_SECONDS = 37 * 3600;

export interface SpeechAudio {
  durationSeconds: number;
  /** ffmpeg's messages about damaged input: the audio may end early. */
  warnings: string[];
}

/**
 * The first audio stream as 16 kHz mono 16-bit PCM WAV with the canonical 44-byte
 * header. engines/ffmpeg's extractAudioWav16k writes a JUNK chunk (room for RF64) and
 * an encoder tag before the samples, which Debian's pocketsphinx 0.8 rejects ("0 bits
 * per sample": it reads the format at fixed offsets). Here the header stays bare (no
 * RF64 placeholder, bit-exact, no metadata) unless the audio is too long for plain WAV.
 */
export async function extractSpeechWav(
  input: string,
  output: string,
  opts: {
    signal?: AbortSignal;
    durationSeconds: number | null;
    onProgress?: (p: FfmpegProgress) => void;
  },
): Promise<SpeechAudio> {
  const duration = opts.durationSeconds ?? (await probe(input, { signal: opts.signal })).duration_seconds;
  // Unknown even to ffprobe: almost surely not 37 hours, and RF64 would break pocketsphinx.
  const long = duration !== null && duration > PLAIN_WAV_MAX_SECONDS;
  const { warnings } = await writeAtomically(output, (temp) =>
    runFfmpeg(
      // prettier-ignore
      [
        '-i', inputUrl(input),
        '-map', '0:a:0', '-vn', '-sn', '-dn',
        '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le',
        '-rf64', long ? 'auto' : 'never',
        '-fflags', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1',
        '-f', 'wav', outputUrl(temp),
      ],
      {
        what: 'Extracting audio for speech-to-text',
        signal: opts.signal,
        durationSeconds: duration,
        onProgress: opts.onProgress,
        redact: { [input]: 'input', [temp]: 'output' },
      },
    ),
  );
  return { durationSeconds: (await readWavInfo(output)).duration, warnings };
}
