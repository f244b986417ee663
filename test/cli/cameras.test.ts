import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type LiveServer } from '../sdk/server.js';
import { iris } from './run.js';

/**
 * `iris cameras` and `iris events` against a live server. No camera worker runs in this
 * server (the worker suites run them against a real RTSP server), so the camera stays
 * offline and its snapshot is the no-signal picture.
 */
describe('iris cameras and iris events against a live server', () => {
  let s: LiveServer;
  let env: NodeJS.ProcessEnv;
  let home: string;

  beforeAll(async () => {
    s = await startServer();
    home = mkdtempSync(path.join(os.tmpdir(), 'iris-cli-cameras-'));
    // Adding cameras is administration: an admin-scoped key.
    const res = await s.t.call('POST', '/api/v1/keys', {
      token: s.user.token,
      body: { name: 'cli cameras', scopes: ['admin'], workspace_id: s.user.workspaceId },
    });
    const key = (res.json() as { key: { plaintext: string } }).key.plaintext;
    env = { XDG_CONFIG_HOME: home, HOME: home, IRIS_URL: s.url, IRIS_API_KEY: key };
  }, 60_000);
  afterAll(async () => s?.close());

  it('adds, lists, shows, snapshots, disables and removes a camera; lists events', async () => {
    expect((await iris(['cameras'], { env })).stdout).toMatch(/^No cameras\./);
    const bad = await iris(['cameras', 'add', 'Gate', 'http://nope/x'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('rtsp://');
    const added = await iris(
      [
        'cameras',
        'add',
        'Gate',
        'rtsp://admin:Secr3t@192.0.2.10:554/live',
        '--triggers',
        'person,car',
        '--conf',
        '0.6',
      ],
      { env },
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Added cam_\w+ "Gate" \(rtsp:\/\/\*\*\*@192\.0\.2\.10:554\/live\)\./);
    expect(added.stdout).not.toContain('Secr3t');
    const id = /cam_\w+/.exec(added.stdout)![0];

    const list = await iris(['cameras'], { env });
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('person,car');
    expect(list.stdout).not.toContain('Secr3t');
    const json = JSON.parse((await iris(['--json', 'cameras'], { env })).stdout) as Array<{
      detect_conf: number;
    }>;
    expect(json[0]?.detect_conf).toBe(0.6);

    const status = await iris(['cameras', 'status', id], { env });
    expect(status.stdout).toContain(`${id}: offline`);
    expect(status.stdout).toMatch(/detector human-centernet/);

    const out = path.join(home, 'gate.jpg');
    const shot = await iris(['cameras', 'snapshot', id, '-o', out], { env });
    expect(shot.code, shot.stderr).toBe(0);
    expect((await sharp(readFileSync(out)).metadata()).format).toBe('jpeg');

    expect((await iris(['cameras', 'disable', id], { env })).stdout).toBe(`${id} disabled.\n`);
    expect((await iris(['cameras'], { env })).stdout).toContain('disabled');
    expect((await iris(['events', '--camera', id], { env })).stdout).toBe('No events.\n');
    expect((await iris(['cameras', 'rm', id], { env })).code).toBe(0);
    const gone = await iris(['cameras', 'status', id], { env });
    expect(gone.code).toBe(4);
  }, 60_000);
});
