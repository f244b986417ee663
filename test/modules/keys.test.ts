import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/auth/tokens.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const create = (token: string, body: Record<string, unknown>, path = '/api/v1/keys') =>
    t.call('POST', path, { token, body });

  it('creates read and write keys, shows the plaintext once and only prefixes afterwards', async () => {
    const u = await seedUser(t);
    const read = await create(u.token, { name: 'ci read' });
    expect(read.statusCode).toBe(201);
    expect(read.headers['cache-control']).toBe('no-store');
    const readKey = read.json().key;
    expect(readKey.plaintext).toMatch(/^ir_live_[A-Za-z0-9_-]{43}$/);
    expect(readKey.scopes).toEqual(['read']);
    expect(readKey.workspace_id).toBe(u.workspaceId);
    expect(readKey.id).toMatch(/^key_[0-9a-z]{26}$/);
    expect(readKey.plaintext.startsWith(readKey.prefix)).toBe(true);
    expect(readKey).not.toHaveProperty('key_hash');

    const write = await create(u.token, { name: 'ci write', scopes: ['write', 'read'] });
    expect(write.statusCode).toBe(201);
    const writeKey = write.json().key;
    expect(writeKey.scopes).toEqual(['read', 'write']);

    // Only the hash is stored.
    const rows = await t.c.database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('user_id', '=', u.userId)
      .execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect([readKey.plaintext, writeKey.plaintext]).not.toContain(r.key_hash);
    }
    expect(rows.map((r) => r.key_hash).sort()).toEqual(
      [sha256Hex(readKey.plaintext), sha256Hex(writeKey.plaintext)].sort(),
    );

    const list = await t.call('GET', '/api/v1/keys', { token: u.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().pagination).toEqual({ limit: 50, offset: 0, total: 2 });
    for (const secret of [readKey.plaintext, writeKey.plaintext, ...rows.map((r) => r.key_hash)]) {
      expect(list.body).not.toContain(secret);
    }
    for (const item of list.json().items) {
      expect(Object.keys(item).sort()).toEqual(
        [
          'created_at',
          'expires_at',
          'id',
          'last_used_at',
          'name',
          'prefix',
          'scopes',
          'user_id',
          'workspace_id',
        ].sort(),
      );
    }

    // The audit trail has the creation, never the secret.
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'key.create')
      .where('actor_id', '=', u.userId)
      .execute();
    expect(audit).toHaveLength(2);
    const dump = JSON.stringify(audit);
    expect(dump).not.toContain(readKey.plaintext);
    expect(dump).not.toContain(rows[0]!.key_hash);
  });

  it('caps a read key to reads, records last use, and refuses key management by keys', async () => {
    const u = await seedUser(t);
    const key = (await create(u.token, { name: 'reader' })).json().key;

    const ok = await t.call('GET', '/api/v1/workspaces', { token: key.plaintext });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items.map((w: { id: string }) => w.id)).toEqual([u.workspaceId]);

    const rename = await t.call('PATCH', `/api/v1/workspaces/${u.workspaceId}`, {
      token: key.plaintext,
      body: { name: 'nope' },
    });
    expect(rename.statusCode).toBe(403);
    expect(rename.json().error.message).toContain('scopes');
    const invite = await t.call('POST', '/api/v1/workspaces/invite', {
      token: key.plaintext,
      body: { workspace_id: u.workspaceId, email: 'x@example.com' },
    });
    expect(invite.statusCode).toBe(403);

    // last_used_at is written off the hot path; wait for it.
    let lastUsed: string | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      const list = await t.call('GET', '/api/v1/keys', { token: u.token });
      lastUsed = list.json().items.find((k: { id: string }) => k.id === key.id).last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(lastUsed).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Even an admin-scoped key cannot mint or revoke keys (spec 004).
    const admin = (await create(u.token, { name: 'admin', scopes: ['admin'] })).json().key;
    for (const k of [key, admin]) {
      const mint = await create(k.plaintext, { name: 'child' });
      expect(mint.statusCode).toBe(403);
      expect(mint.json().error.message).toBe('An API key cannot be used to create or revoke API keys.');
      const kill = await t.call('DELETE', `/api/v1/keys/${k.id}`, { token: k.plaintext });
      expect(kill.statusCode).toBe(403);
    }
    const denied = await t.c.database.db
      .selectFrom('audit_events')
      .select(['action', 'credential_type'])
      .where('actor_id', '=', u.userId)
      .where('outcome', '=', 'denied')
      .where('action', 'in', ['key.create', 'key.revoke'])
      .execute();
    expect(denied).toHaveLength(4);
    expect(denied.every((d) => d.credential_type === 'api_key')).toBe(true);
    // A key may still list the keys of its workspace (read-only, no secrets).
    const listed = await t.call('GET', '/api/v1/keys', { token: key.plaintext });
    expect(listed.statusCode).toBe(200);
  });

  it('revocation takes effect on the very next request', async () => {
    const u = await seedUser(t);
    const key = (await create(u.token, { name: 'short-lived' })).json().key;
    expect((await t.call('GET', '/api/v1/workspaces', { token: key.plaintext })).statusCode).toBe(200);
    const del = await t.call('DELETE', `/api/v1/keys/${key.id}`, { token: u.token });
    expect(del.statusCode).toBe(204);
    const after = await t.call('GET', '/api/v1/workspaces', { token: key.plaintext });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toContain('Bearer');
    const again = await t.call('DELETE', `/api/v1/keys/${key.id}`, { token: u.token });
    expect(again.statusCode).toBe(404);
    const list = await t.call('GET', '/api/v1/keys', { token: u.token });
    expect(list.json().items).toEqual([]);
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'key.revoke')
      .where('target_id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(String(audit.after)).revoked_at).toBeTruthy();
    expect(audit.before).toBeTruthy();
  });

  it('serves spec 004 paths under /api/me/api-keys with the same behaviour', async () => {
    const u = await seedUser(t);
    const made = await create(u.token, { name: 'interviews export' }, '/api/me/api-keys');
    expect(made.statusCode).toBe(201);
    const key = made.json().key;
    expect(key.plaintext).toMatch(/^ir_live_/);
    const list = await t.call('GET', '/api/me/api-keys', { token: u.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((k: { id: string }) => k.id)).toEqual([key.id]);
    expect(list.body).not.toContain(key.plaintext);
    const byKey = await create(key.plaintext, { name: 'x' }, '/api/me/api-keys');
    expect(byKey.statusCode).toBe(403);
    expect(byKey.json().error.message).toContain('cannot be used to create or revoke');
    const del = await t.call('DELETE', `/api/me/api-keys/${key.id}`, { token: u.token });
    expect(del.statusCode).toBe(204);
    expect((await t.call('GET', '/api/v1/workspaces', { token: key.plaintext })).statusCode).toBe(401);
    // The v1 list agrees: one store, one service.
    expect((await t.call('GET', '/api/v1/keys', { token: u.token })).json().items).toEqual([]);
  });

  it("hides other workspaces' keys and caps scopes by the member's access", async () => {
    const alice = await seedUser(t);
    const bob = await seedUser(t);
    const aliceKey = (await create(alice.token, { name: 'alice' })).json().key;
    const bobKey = (await create(bob.token, { name: 'bob' })).json().key;

    // Bob is no member of Alice's workspace: her key does not exist for him.
    const steal = await t.call('DELETE', `/api/v1/keys/${aliceKey.id}`, { token: bob.token });
    expect(steal.statusCode).toBe(404);
    const peek = await t.call('GET', `/api/v1/keys?workspace_id=${alice.workspaceId}`, { token: bob.token });
    expect(peek.statusCode).toBe(404);
    const mintThere = await create(bob.token, { name: 'x', workspace_id: alice.workspaceId });
    expect(mintThere.statusCode).toBe(404);
    // A key bound to Bob's workspace cannot list Alice's.
    const crossKey = await t.call('GET', `/api/v1/keys?workspace_id=${alice.workspaceId}`, {
      token: bobKey.plaintext,
    });
    expect(crossKey.statusCode).toBe(404);

    // As a viewer in Alice's workspace Bob may mint read keys only.
    await t.c.workspacesRepo.addMember(alice.workspaceId, bob.userId, 'viewer');
    const tooMuch = await create(bob.token, {
      name: 'w',
      workspace_id: alice.workspaceId,
      scopes: ['write'],
    });
    expect(tooMuch.statusCode).toBe(403);
    expect(tooMuch.json().error.message).toContain('scopes read only');
    const admin = await create(bob.token, { name: 'a', workspace_id: alice.workspaceId, scopes: ['admin'] });
    expect(admin.statusCode).toBe(403);
    const readOnly = await create(bob.token, { name: 'r', workspace_id: alice.workspaceId });
    expect(readOnly.statusCode).toBe(201);
    const bobInAlice = readOnly.json().key;

    // A viewer cannot see or revoke other members' keys; the attempt is audited.
    const all = await t.call('GET', `/api/v1/keys?all=true&workspace_id=${alice.workspaceId}`, {
      token: bob.token,
    });
    expect(all.statusCode).toBe(403);
    const revokeOther = await t.call('DELETE', `/api/v1/keys/${aliceKey.id}`, { token: bob.token });
    expect(revokeOther.statusCode).toBe(403);

    // The owner sees everybody's keys and may revoke a member's key.
    const ownerAll = await t.call('GET', '/api/v1/keys?all=true', { token: alice.token });
    expect(ownerAll.statusCode).toBe(200);
    expect(
      ownerAll
        .json()
        .items.map((k: { id: string }) => k.id)
        .sort(),
    ).toEqual([aliceKey.id, bobInAlice.id].sort());
    const ownerOwn = await t.call('GET', '/api/v1/keys', { token: alice.token });
    expect(ownerOwn.json().items.map((k: { id: string }) => k.id)).toEqual([aliceKey.id]);
    const revoked = await t.call('DELETE', `/api/v1/keys/${bobInAlice.id}`, { token: alice.token });
    expect(revoked.statusCode).toBe(204);
    const event = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'key.revoke')
      .where('target_id', '=', bobInAlice.id)
      .executeTakeFirstOrThrow();
    expect(event.actor_id).toBe(alice.userId);
    expect(event.permission).toBe('auth:manage');
  });

  it('rejects bad input with 400 and missing credentials with 401', async () => {
    const u = await seedUser(t);
    const cases: Array<Record<string, unknown>> = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['read', 'read'] },
      { name: 'x', extra: true },
      { name: 'x', expires_at: 'tomorrow' },
      { name: 'x', expires_at: '2001-01-01T00:00:00Z' },
      { name: 'x', workspace_id: "ws_' OR 1=1" },
    ];
    for (const body of cases) {
      const res = await create(u.token, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    }
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const expiring = await create(u.token, { name: 'x', expires_at: future });
    expect(expiring.statusCode).toBe(201);
    expect(expiring.json().key.expires_at).toBe(future);
    expect((await t.call('DELETE', '/api/v1/keys/not-an-id', { token: u.token })).statusCode).toBe(400);
    const anon = await t.call('GET', '/api/v1/keys');
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toContain('Bearer');
    expect((await create('', { name: 'x' })).statusCode).toBe(401);
    expect((await t.call('GET', '/api/v1/keys', { token: 'ir_live_forged' })).statusCode).toBe(401);
  });
});
