import { readFileSync } from 'node:fs';

/**
 * The running version, read once from package.json. The path is relative to this
 * file, which sits one level below the package root both in src/ and in dist/.
 */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    // A stripped install without package.json still starts; the version is then unknown.
    return '0.0.0';
  }
}

export const VERSION = readVersion();
