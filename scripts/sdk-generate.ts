import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GENERATED_FILE, ROOT, loadOpenApiDocument, renderTypes } from './sdk-render.js';

// `npm run sdk:generate`: rewrites src/sdk/generated/openapi.ts from the current routes.
const source = await renderTypes(await loadOpenApiDocument());
await writeFile(GENERATED_FILE, source);
console.log(`Wrote ${path.relative(ROOT, GENERATED_FILE)}`);
