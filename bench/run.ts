/**
 * Runs every benchmark in bench/ and prints each one's table. Baselines are measured
 * in the same run so ratios stay meaningful on a busy or slow machine.
 * Usage: npm run bench [-- name ...]   e.g. npm run bench -- http queue
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run?: () => Promise<unknown> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n## ${file}`);
  const result = await mod.run();
  if (Array.isArray(result)) console.table(result);
  else console.log(JSON.stringify(result, null, 2));
}
