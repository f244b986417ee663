import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { hashPassword } from '../../src/platform/auth/passwords.js';
import { workspacePrefix } from '../../src/platform/storage/index.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, tamperedToken, type TestApp } from '../helpers/app.js';

describe.each(DIALECTS)('workspaces and members on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('lists, creates, renames and scopes workspaces to members', async () => {
    const alice = await seedUser(t);
    const bob = await seedUser(t);
    const list = await t.call('GET', '/api/v1/workspaces', { token: alice.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    expect(list.json().pagination).toEqual({ limit: 50, offset: 0, total: 1 });

    const created = await t.call('POST', '/api/v1/workspaces', {
      token: alice.token,
      body: { name: 'Research' },
    });
    expect(created.statusCode).toBe(201);
    const ws = created.json();
    expect(ws.id).toMatch(/^ws_[0-9a-z]{26}$/);

    const renamed = await t.call('PATCH', `/api/v1/workspaces/${ws.id}`, {
      token: alice.token,
      body: { name: 'Research 2' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().name).toBe('Research 2');

    // Bob is not a member: the workspace does not exist for him.
    const peek = await t.call('PATCH', `/api/v1/workspaces/${ws.id}`, {
      token: bob.token,
      body: { name: 'hijack' },
    });
    expect(peek.statusCode).toBe(404);
    expect(peek.json().error.code).toBe('NOT_FOUND');
    expect(peek.json().error.request_id).toMatch(/^req_/);
  });

  it('invites by email, accepts, changes roles and protects the last owner', async () => {
    const owner = await seedUser(t);
    const guest = await seedUser(t);
    const inv = await t.call('POST', '/api/v1/workspaces/invite', {
      token: owner.token,
      body: { workspace_id: owner.workspaceId, email: guest.email, role: 'viewer' },
    });
    expect(inv.statusCode).toBe(201);
    const mail = await t.c.database.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', guest.email)
      .executeTakeFirstOrThrow();
    expect(mail.status).toBe('kept');
    const token = /token=([\w-]+)/.exec(mail.text_body)![1]!;

    const members = await t.call('GET', `/api/v1/workspaces/${owner.workspaceId}/members`, {
      token: owner.token,
    });
    expect(members.json().invites).toHaveLength(1);

    const accepted = await t.call('POST', '/api/v1/workspaces/invites/accept', {
      token: guest.token,
      body: { token },
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().role).toBe('viewer');
    const again = await t.call('POST', '/api/v1/workspaces/invites/accept', {
      token: guest.token,
      body: { token },
    });
    expect(again.statusCode).toBe(404);

    // A viewer cannot manage members; the attempt is denied and audited.
    const denied = await t.call('PATCH', `/api/v1/workspaces/${owner.workspaceId}/members/${owner.userId}`, {
      token: guest.token,
      body: { role: 'viewer' },
    });
    expect(denied.statusCode).toBe(403);
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('outcome', '=', 'denied')
      .where('actor_id', '=', guest.userId)
      .execute();
    expect(audit.length).toBeGreaterThan(0);

    const demoteSelf = await t.call(
      'PATCH',
      `/api/v1/workspaces/${owner.workspaceId}/members/${owner.userId}`,
      {
        token: owner.token,
        body: { role: 'admin' },
      },
    );
    expect(demoteSelf.statusCode).toBe(409);

    const promote = await t.call('PATCH', `/api/v1/workspaces/${owner.workspaceId}/members/${guest.userId}`, {
      token: owner.token,
      body: { role: 'operator' },
    });
    expect(promote.statusCode).toBe(200);
    expect(promote.json().role).toBe('operator');

    const leave = await t.call('DELETE', `/api/v1/workspaces/${owner.workspaceId}/members/${guest.userId}`, {
      token: guest.token,
    });
    expect(leave.statusCode).toBe(204);
    const gone = await t.call('GET', `/api/v1/workspaces/${owner.workspaceId}`, { token: guest.token });
    expect(gone.statusCode).toBe(404);
  });

  it('reports usage against the plan', async () => {
    const u = await seedUser(t);
    const res = await t.call('GET', `/api/v1/workspaces/${u.workspaceId}/usage`, { token: u.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().limits.requests_per_minute).toBe(60);
    expect(res.json().limits.max_upload_bytes).toBe(500 * 1024 * 1024);
  });

  it('rejects bad input with 400 and unauthenticated calls with 401', async () => {
    const u = await seedUser(t);
    const unknownField = await t.call('POST', '/api/v1/workspaces', {
      token: u.token,
      body: { name: 'x', evil: 1 },
    });
    expect(unknownField.statusCode).toBe(400);
    const wrongType = await t.call('POST', '/api/v1/workspaces', { token: u.token, body: { name: 42 } });
    expect(wrongType.statusCode).toBe(400);
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(malformed.statusCode).toBe(400);
    const badId = await t.call('GET', "/api/v1/workspaces/ws_1'%20OR%201=1", { token: u.token });
    expect(badId.statusCode).toBe(400);
    const anon = await t.call('GET', '/api/v1/workspaces');
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toContain('Bearer');
    const tampered = await t.call('GET', '/api/v1/workspaces', { token: tamperedToken(u.token) });
    expect(tampered.statusCode).toBe(401);
  });
});

describe.each(DIALECTS)('deleting workspaces removes their files on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const keysUnder = async (prefix: string) => {
    const keys: string[] = [];
    for await (const key of t.c.blobs.list(prefix)) keys.push(key);
    return keys;
  };
  const putFile = (workspaceId: string, name: string) =>
    t.c.blobs.put(`${workspacePrefix(workspaceId)}rec/rec_x/${name}`, Readable.from([Buffer.from(name)]), {
      contentType: 'application/octet-stream',
    });

  it('deletes every stored file of a deleted workspace and nothing of others', async () => {
    const owner = await seedUser(t);
    const created = await t.call('POST', '/api/v1/workspaces', {
      token: owner.token,
      body: { name: 'Doomed' },
    });
    const doomed = created.json().id as string;
    await putFile(doomed, 'original');
    await putFile(doomed, 'derived/poster.jpg');
    await putFile(owner.workspaceId, 'original');

    const del = await t.call('DELETE', `/api/v1/workspaces/${doomed}`, { token: owner.token });
    expect(del.statusCode).toBe(204);
    expect(await keysUnder(workspacePrefix(doomed))).toEqual([]);
    expect(await keysUnder(workspacePrefix(owner.workspaceId))).toHaveLength(1);
  });

  it('deletes the files of the workspaces that go with a deleted account', async () => {
    const solo = await seedUser(t);
    await putFile(solo.workspaceId, 'original');
    await t.c.database.db
      .updateTable('users')
      .set({ password_hash: await hashPassword('correct horse battery', 10) })
      .where('id', '=', solo.userId)
      .execute();
    const gone = await t.call('DELETE', '/api/v1/auth/me', {
      token: solo.token,
      body: { password: 'correct horse battery' },
    });
    expect(gone.statusCode, gone.body).toBe(204);
    expect(await keysUnder(workspacePrefix(solo.workspaceId))).toEqual([]);
  });
});
