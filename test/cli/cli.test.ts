import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaFiles } from '../modules/recordings.helpers.js';
import { startServer, type LiveServer } from '../sdk/server.js';
import { iris } from './run.js';

describe('iris CLI against a live server', () => {
  let s: LiveServer;
  let home: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let recordingId: string;
  const configFile = () => path.join(home, 'iris', 'config.json');

  beforeAll(async () => {
    s = await startServer({ processing: true });
    home = mkdtempSync(path.join(os.tmpdir(), 'iris-cli-xdg-'));
    work = mkdtempSync(path.join(os.tmpdir(), 'iris-cli-work-'));
    env = { XDG_CONFIG_HOME: home, HOME: home };
    const m = await mediaFiles();
    writeFileSync(path.join(work, 'standup.mp4'), m.video);
    writeFileSync(path.join(work, 'notes.txt'), m.text);
  }, 60_000);
  afterAll(async () => s?.close());

  it('documents every command and the exit codes in --help', async () => {
    const top = await iris(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['login', 'upload', 'status', 'context', 'frames', 'search', 'share', 'open'])
      expect(top.stdout).toContain(cmd);
    expect(top.stdout).toMatch(/Exit codes:[\s\S]*3 {2}authentication[\s\S]*4 {2}not found/);
    const upload = await iris(['upload', '--help']);
    expect(upload.code).toBe(0);
    expect(upload.stdout).toContain('--no-resume');
    expect((await iris(['keys', 'create', '--help'])).code).toBe(0);
  });

  it('exits 2 on usage errors and 3 when not logged in', async () => {
    const unknown = await iris(['lss'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'lss'");
    expect((await iris(['status'], { env })).code).toBe(2);
    const anonymous = await iris(['ls'], { env });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toMatch(/^error: not logged in/);
  });

  it('refuses a wrong key at login without writing anything', async () => {
    const res = await iris(['login', '--url', s.url, '--key', 'ir_live_wrong'], { env });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^error: .*did not accept this key \(UNAUTHORIZED\)/);
    expect(() => statSync(configFile())).toThrow();
  });

  it('logs in, storing the key in a 0600 file in a 0700 directory, never printing it', async () => {
    const res = await iris(['login', '--url', `${s.url}/api/v1`, '--key', '-'], {
      env,
      stdin: `${s.apiKey}\n`,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`as ${s.user.email}`);
    expect(res.stdout + res.stderr).not.toContain(s.apiKey);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(configFile())).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(configFile(), 'utf8'))).toEqual({ url: s.url, key: s.apiKey });

    const who = await iris(['whoami', '--json'], { env });
    expect(who.code).toBe(0);
    expect(who.json()).toMatchObject({ source: 'config', user: { email: s.user.email } });
    expect(who.stdout).not.toContain(s.apiKey);
  });

  it('uploads a file with tus and lists it', async () => {
    const up = await iris(['upload', 'standup.mp4', '--title', 'Daily standup', '--json'], {
      env,
      cwd: work,
    });
    expect(up.code, up.stderr).toBe(0);
    const [outcome] = up.json<Array<{ recording_id: string; status: string; file: string }>>();
    expect(outcome).toMatchObject({ status: 'queued', file: path.join(work, 'standup.mp4') });
    recordingId = outcome!.recording_id;
    expect(up.stderr).toMatch(/standup\.mp4 → rec_/);

    const ls = await iris(['ls', '--json'], { env });
    expect(ls.code).toBe(0);
    const page = ls.json<{ items: Array<{ id: string; title: string }>; pagination: { total: number } }>();
    expect(page.items.find((r) => r.id === recordingId)).toMatchObject({ title: 'Daily standup' });

    const human = await iris(['ls'], { env });
    expect(human.stdout).toMatch(/^ID\s+TITLE\s+STATUS/);
    expect(human.stdout).toContain('Daily standup');
  });

  it('uploads the media files of a directory, skipping the rest', async () => {
    const dir = path.join(work, 'batch');
    const m = await mediaFiles();
    mkdirSync(path.join(dir, 'nested'), { recursive: true });
    writeFileSync(path.join(dir, 'a.m4a'), m.audio);
    writeFileSync(path.join(dir, 'nested', 'b.mp4'), m.video);
    writeFileSync(path.join(dir, 'readme.txt'), 'not media');
    const up = await iris(['upload', 'batch', '--json'], { env, cwd: work });
    expect(up.code, up.stderr).toBe(0);
    const outcomes = up.json<Array<{ file: string; recording_id: string }>>();
    expect(outcomes.map((o) => path.relative(dir, o.file))).toEqual(['a.m4a', 'nested/b.mp4']);
    expect(outcomes.every((o) => o.recording_id.startsWith('rec_'))).toBe(true);
  });

  it('reports a file that is not media, and a missing file, with their exit codes', async () => {
    const text = await iris(['upload', 'notes.txt'], { env, cwd: work });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: .*\(UNSUPPORTED_MEDIA_TYPE, request req_/m);
    const missing = await iris(['upload', 'nope.mp4'], { env, cwd: work });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file: nope.mp4');
  });

  it('shows the per-stage status', async () => {
    const st = await iris(['status', recordingId, '--json'], { env });
    expect(st.code).toBe(0);
    const status = st.json<{ recording_id: string; stages: Array<{ stage: string }> }>();
    expect(status.recording_id).toBe(recordingId);
    expect(status.stages.map((x) => x.stage)).toContain('probe');
    const human = await iris(['status', recordingId], { env });
    expect(human.stdout).toMatch(/STAGE\s+STATE\s+PROGRESS/);
  });

  it('watches the status until processing ends, exiting 0 when ready and 6 when failed', async () => {
    const watch = await iris(['status', recordingId, '--watch', '--interval', '200', '--json'], { env });
    const final = watch.json<{ status: string; stages: Array<{ state: string }> }>();
    expect(['ready', 'failed']).toContain(final.status);
    expect(watch.code, watch.stderr).toBe(final.status === 'ready' ? 0 : 6);
    const lines = await iris(['status', recordingId, '--watch'], { env });
    expect(lines.stdout).toMatch(/^(ready|failed) \d+%: probe \w+/m);
  }, 90_000);

  it('exits 4 for an unknown recording and 3 for a refused key, with code and request id', async () => {
    const missing = await iris(['status', 'rec_00000000000000000000000000'], { env });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: .+ \(NOT_FOUND, request req_\w+\)\n$/);
    const refused = await iris(['ls'], { env: { ...env, IRIS_API_KEY: 'ir_live_revoked' } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/\(UNAUTHORIZED, request req_\w+\)/);
  });

  it('explains that an API key cannot create keys', async () => {
    const res = await iris(['keys', 'create', '--name', 'ci'], { env });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('API keys cannot create or revoke API keys');
    const ls = await iris(['keys', '--json'], { env });
    expect(ls.code).toBe(0);
    expect(ls.json<Array<{ name: string }>>().map((k) => k.name)).toContain('sdk tests');
    const session = await iris(['keys', 'create', '--name', 'ci', '--scopes', 'read', '--json'], {
      env: { ...env, IRIS_API_KEY: s.user.token },
    });
    expect(session.code, session.stderr).toBe(0);
    expect(session.json<{ key: { plaintext: string } }>().key.plaintext).toMatch(/^ir_live_/);
  });

  it('lists workspaces', async () => {
    const res = await iris(['workspaces', '--json'], { env });
    expect(res.code).toBe(0);
    expect(res.json<Array<{ id: string }>>().map((w) => w.id)).toContain(s.user.workspaceId);
  });

  it('reads context and frames, searches, and shares', async () => {
    const context = await iris(['context', recordingId, '--json'], { env });
    expect(context.code, context.stderr).toBe(0);
    expect(context.json()).toMatchObject({ recording_id: recordingId });
    const summary = await iris(['context', recordingId, '--field', 'summary', '--json'], { env });
    expect(summary.code).toBe(0);
    expect(summary.json()).toMatchObject({ field: 'summary' });
    expect((await iris(['context', recordingId, '--field', 'nope'], { env })).code).toBe(2);

    const frames = await iris(['frames', recordingId, '--json'], { env });
    expect(frames.code, frames.stderr).toBe(0);
    expect(frames.json()).toHaveProperty('items');

    const search = await iris(['search', 'quarterly', 'budget', '--json'], { env });
    expect(search.code, search.stderr).toBe(0);
    expect(search.json()).toHaveProperty('items');

    const share = await iris(['share', recordingId], { env });
    expect(share.code, share.stderr).toBe(0);
    expect(share.stdout).toMatch(/^Public link: http:\/\/127\.0\.0\.1:\d+\/share\//);
    expect((await iris(['unshare', recordingId], { env })).code).toBe(0);
  });

  it('prints the dashboard URL', async () => {
    const root = await iris(['open'], { env });
    expect(root.stdout).toBe(`${s.url}/\n`);
    const one = await iris(['open', recordingId, '--json'], { env });
    expect(one.json()).toEqual({ url: `${s.url}/recordings/${recordingId}` });
  });

  it('logs out', async () => {
    const res = await iris(['logout'], { env });
    expect(res.code).toBe(0);
    expect(() => statSync(configFile())).toThrow();
    expect((await iris(['whoami'], { env })).code).toBe(3);
  });
});
