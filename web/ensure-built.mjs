#!/usr/bin/env node
// `npm start` runs this first: builds the dashboard (web/dist) when it is missing, e.g.
// after `npm install --ignore-scripts` or a fresh checkout with node_modules copied in.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('.', import.meta.url));
if (!existsSync(new URL('./dist/index.html', import.meta.url))) {
  console.log('iris: building the web dashboard (web/dist)…');
  try {
    const { build } = await import('vite');
    await build({
      root: webDir,
      configFile: new URL('./vite.config.ts', import.meta.url).pathname,
      logLevel: 'warn',
    });
  } catch (err) {
    // The API still starts; `/` then explains how to build the dashboard.
    console.error(`iris: could not build the dashboard: ${err instanceof Error ? err.message : err}`);
  }
}
