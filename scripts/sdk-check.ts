import { readFile } from 'node:fs/promises';
import { GENERATED_FILE, loadOpenApiDocument, renderTypes } from './sdk-render.js';

// `npm run sdk:check`: exits 1 when the committed SDK types and the routes disagree.
const expected = await renderTypes(await loadOpenApiDocument());
const actual = await readFile(GENERATED_FILE, 'utf8').catch(() => '');
if (actual !== expected) {
  console.error('SDK out of date: run npm run sdk:generate');
  process.exit(1);
}
console.log('SDK is up to date with the OpenAPI document.');
