import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { CliError, EXIT } from './exit-codes.js';

/** What a directory contributes: audio and video by extension (the server checks the bytes). */
const MEDIA = new Set(
  'mp4 m4v mov mkv webm avi wmv flv mpg mpeg ts mts 3gp ogv m4a mp3 wav ogg oga opus flac aac wma'.split(' '),
);

const isMedia = (file: string) => MEDIA.has(path.extname(file).slice(1).toLowerCase());

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && isMedia(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Files named on the command line: a file as is, a directory's media files (recursive),
 * a quoted glob expanded here (the shell expands unquoted ones). Duplicates once.
 */
export async function expandInputs(inputs: string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const full = path.resolve(cwd, input);
    const info = await stat(full).catch(() => undefined);
    if (info?.isFile()) files.push(full);
    else if (info?.isDirectory()) {
      const found = await walk(full);
      if (!found.length) throw new CliError(`no audio or video files in ${input}`, EXIT.USAGE);
      files.push(...found);
    } else if (isDynamicPattern(input)) {
      const found = await glob(input, { cwd, absolute: true, onlyFiles: true });
      if (!found.length) throw new CliError(`nothing matches ${input}`, EXIT.USAGE);
      files.push(...found.sort());
    } else {
      throw new CliError(`no such file: ${input}`, EXIT.USAGE);
    }
  }
  return [...new Set(files)];
}
