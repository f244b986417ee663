import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, loadOpenApiDocument, renderTypes } from '../../scripts/sdk-render.js';

describe('generated SDK types', () => {
  it('match the OpenAPI document the routes produce', async () => {
    const expected = await renderTypes(await loadOpenApiDocument());
    const committed = await readFile(GENERATED_FILE, 'utf8').catch(() => '');
    // A plain boolean first: a 7,000-line diff would bury the one line that matters.
    if (committed !== expected) expect.fail('SDK out of date: run npm run sdk:generate');
  }, 60_000);
});
