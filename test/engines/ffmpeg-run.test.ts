import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/engines/ffmpeg/command.js';
import { EngineUnavailableError, ProcessTimeoutError } from '../../src/engines/ffmpeg/errors.js';
import { clearLocateCache, locateFfmpeg, locateFfprobe } from '../../src/engines/ffmpeg/locate.js';
import { createProgressParser, parseClock, type FfmpegProgress } from '../../src/engines/ffmpeg/progress.js';
import { lineSplitter, runProcess } from '../../src/engines/ffmpeg/run.js';
import { npmFfmpeg, npmFfprobe, tempDir } from '../fixtures/media.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  clearLocateCache();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A node one-liner as the child: the runner is generic, and node is always there. */
const node = (script: string) => [process.execPath, ['-e', script]] as const;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runProcess', () => {
  it('keeps only the tail of a large stderr and streams every line', async () => {
    let lines = 0;
    const [bin, args] = node(
      'for (let i = 0; i < 20000; i++) process.stderr.write("line " + i + " " + "x".repeat(40) + "\\n")',
    );
    const r = await runProcess(bin, args, { stderrTailBytes: 4096, onStderrLine: () => lines++ });
    expect(r.exitCode).toBe(0);
    expect(lines).toBe(20000);
    expect(r.stderrTail.length).toBeLessThanOrEqual(4096);
    expect(r.stderrTail).toContain('line 19999');
    expect(r.stderrTail).not.toContain('line 0 ');
  });

  it('captures stdout up to a bound and fails beyond it', async () => {
    const [bin, args] = node('process.stdout.write("a".repeat(1000))');
    expect((await runProcess(bin, args, { captureStdoutBytes: 2000 })).stdout).toHaveLength(1000);
    await expect(runProcess(bin, args, { captureStdoutBytes: 10 })).rejects.toThrow(/more than 10 bytes/);
  });

  it('returns non-zero exits to the caller', async () => {
    const [bin, args] = node('process.stderr.write("boom\\n"); process.exit(3)');
    const r = await runProcess(bin, args);
    expect(r).toMatchObject({ exitCode: 3, stderrTail: 'boom\n' });
  });

  it('kills the process on abort and rejects with the signal reason once it is gone', async () => {
    const [bin, args] = node('console.log(process.pid); setInterval(() => {}, 1000)');
    const ac = new AbortController();
    let pid = 0;
    const reason = new Error('cancelled by test');
    const p = runProcess(bin, args, {
      signal: ac.signal,
      onStdoutLine: (l) => {
        pid = Number(l);
        ac.abort(reason);
      },
    });
    await expect(p).rejects.toBe(reason);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it('does not start when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(runProcess(process.execPath, ['-e', ''], { signal: ac.signal })).rejects.toThrow('already');
  });

  it('kills the process after the timeout', async () => {
    const [bin, args] = node('setInterval(() => {}, 1000)');
    const started = Date.now();
    const err = await runProcess(bin, args, { timeoutMs: 300, label: 'sleeper' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessTimeoutError);
    expect((err as Error).message).toMatch(/sleeper did not finish/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a missing binary as EngineUnavailableError', async () => {
    await expect(runProcess(path.join(dir, 'no-such-tool'), [])).rejects.toBeInstanceOf(
      EngineUnavailableError,
    );
  });
});

describe('line splitting and progress', () => {
  it('splits on \\n and \\r and keeps multi-byte characters split across chunks', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    const euro = Buffer.from('€');
    s.push(Buffer.concat([Buffer.from('a\rb\n'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('c\r\nlast')]));
    s.end();
    expect(lines).toEqual(['a', 'b', '€c', 'last']);
  });

  it('reads -progress blocks and classic stats lines', () => {
    expect(parseClock('00:01:02.500000')).toBe(62.5);
    expect(parseClock('N/A')).toBeUndefined();
    const seen: FfmpegProgress[] = [];
    const feed = createProgressParser(10, (p) => seen.push(p));
    for (const l of [
      'frame=10',
      'out_time_ms=2500000',
      'out_time=00:00:02.500000',
      'speed=   2x',
      'progress=continue',
    ]) {
      feed(l);
    }
    feed('frame=  120 fps= 60 q=28.0 size=     256kB time=00:00:05.00 bitrate= 524.3kbits/s speed=2.5x');
    feed('progress=end');
    expect(seen).toEqual([
      { seconds: 2.5, fraction: 0.25, speed: 2, done: false },
      { seconds: 5, fraction: 0.5, speed: 2.5, done: false },
      { seconds: 5, fraction: 1, speed: 2.5, done: true },
    ]);
  });

  it('redacts known paths and any other absolute path down to its file name', () => {
    const text =
      "[mov,mp4 @ 0x55d0c0] moov atom not found\nfile:/data/blobs/ab/rec.mp4: Invalid data\nOpened '/etc/fonts/x.conf'";
    expect(redact(text, { '/data/blobs/ab/rec.mp4': 'input' })).toBe(
      "[mov,mp4] moov atom not found\ninput: Invalid data\nOpened 'x.conf'",
    );
  });
});

describe('locate', () => {
  const script = async (name: string, body: string) => {
    const binDir = await fs.mkdtemp(path.join(dir, 'bin-'));
    const file = path.join(binDir, name);
    await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return binDir;
  };

  it('honours IRIS_FFMPEG_PATH / IRIS_FFPROBE_PATH', async () => {
    const env = { PATH: '', IRIS_FFMPEG_PATH: npmFfmpeg(), IRIS_FFPROBE_PATH: npmFfprobe() };
    const ff = await locateFfmpeg({ env });
    expect(ff).toMatchObject({ path: npmFfmpeg(), source: 'env' });
    expect(ff.version).not.toBe('unknown');
    expect(await locateFfprobe({ env })).toMatchObject({ path: npmFfprobe(), source: 'env' });
  });

  it('fails loudly when the override does not work, instead of using another binary', async () => {
    const err = await locateFfmpeg({ env: { PATH: '', IRIS_FFMPEG_PATH: path.join(dir, 'nope') } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toMatch(/IRIS_FFMPEG_PATH is set but/);
  });

  it('prefers a working ffmpeg on PATH', async () => {
    const binDir = await script('ffmpeg', `exec "${npmFfmpeg()}" "$@"`);
    const ff = await locateFfmpeg({ env: { PATH: binDir } });
    expect(ff).toMatchObject({ path: path.join(binDir, 'ffmpeg'), source: 'system' });
  });

  it('skips a broken system ffmpeg and uses the npm one', async () => {
    const binDir = await script(
      'ffmpeg',
      'echo "ffmpeg: error while loading shared libraries" >&2; exit 127',
    );
    const ff = await locateFfmpeg({ env: { PATH: binDir } });
    expect(ff).toMatchObject({ path: npmFfmpeg(), source: 'npm' });
  });

  it('skips a system ffmpeg without libx264', async () => {
    const binDir = await script(
      'ffmpeg',
      'case "$*" in *-encoders*) echo " A..... aac  AAC";; *) echo "ffmpeg version 9.9-minimal";; esac',
    );
    expect(await locateFfmpeg({ env: { PATH: binDir } })).toMatchObject({ source: 'npm' });
  });

  it('falls back to the npm binaries when nothing is on PATH, and knows the 2018 build lacks -fps_mode', async () => {
    const ff = await locateFfmpeg({ env: { PATH: '' } });
    expect(ff).toMatchObject({ path: npmFfmpeg(), source: 'npm', capabilities: { fpsMode: false } });
    expect(await locateFfprobe({ env: { PATH: '' } })).toMatchObject({ path: npmFfprobe(), source: 'npm' });
  });
});
