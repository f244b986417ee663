import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration from the environment', () => {
  it('defaults to SQLite, local storage and tus uploads under the data dir', () => {
    const c = loadConfig({ IRIS_DATA_DIR: '/srv/iris' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: '/srv/iris' });
    expect(c.databaseUrl).toBe('sqlite:///srv/iris/iris.sqlite');
    expect(c.tusDir).toBe(path.join('/srv/iris', 'uploads', 'tus'));
    expect(c.redisUrl).toBeUndefined();
  });

  it('takes a shared tus directory for several API processes', () => {
    expect(loadConfig({ IRIS_DATA_DIR: '/srv/iris', IRIS_TUS_DIR: '/shared/tus' }).tusDir).toBe(
      '/shared/tus',
    );
    // A data dir passed in code moves the default tus dir with it, not an explicit one.
    expect(loadConfig({}, { dataDir: '/tmp/a' }).tusDir).toBe('/tmp/a/uploads/tus');
    expect(loadConfig({ IRIS_TUS_DIR: '/shared/tus' }, { dataDir: '/tmp/a' }).tusDir).toBe('/shared/tus');
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ IRIS_PORT: 'eighty', IRIS_REDIS_URL: 'http://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    expect(text).toMatch(/IRIS_PORT/);
    expect(text).toMatch(/IRIS_REDIS_URL/);
  });
});
