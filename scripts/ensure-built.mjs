#!/usr/bin/env node
// `npm start` runs this first. `npm install` builds the server (dist/) and the dashboard
// (web/dist/) through `prepare`, but after a `git pull`, an edit, or `npm install
// --ignore-scripts` those builds are missing or older than the sources, and `npm start`
// would quietly run old code. Each is rebuilt only when a source file is newer than it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (...parts) => path.join(root, ...parts);

/** The newest modification time among these files and directories (walked), or 0. */
function newest(paths) {
  let latest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
    else latest = Math.max(latest, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return latest;
}

const builtAt = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);

if (builtAt(at('dist/cli/main.js')) < newest([at('src'), at('tsconfig.json'), at('tsconfig.build.json')])) {
  console.log('iris: building the server (dist/), its sources changed…');
  try {
    execFileSync(process.execPath, [at('node_modules/typescript/bin/tsc'), '-p', at('tsconfig.build.json')], {
      stdio: 'inherit',
    });
  } catch {
    console.error('iris: the server build failed; `npm run build` shows why.');
    process.exit(1);
  }
}

const webDir = at('web');
if (builtAt(at('web/dist/index.html')) < newest([at('web/src'), at('web/index.html'), at('web/public')])) {
  console.log('iris: building the web dashboard (web/dist)…');
  try {
    const { build } = await import('vite');
    await build({ root: webDir, configFile: at('web/vite.config.ts'), logLevel: 'warn' });
  } catch (err) {
    // The API still starts; `/` then explains how to build the dashboard.
    console.error(`iris: could not build the dashboard: ${err instanceof Error ? err.message : err}`);
  }
}
