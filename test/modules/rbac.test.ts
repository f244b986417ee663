import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/platform/auth/passwords.js';
import { sha256Hex } from '../../src/platform/auth/tokens.js';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

type Seeded = Awaited<ReturnType<typeof seedUser>>;

describe.each(DIALECTS)('RBAC administration on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const email = () => `${newId('m').slice(2, 14)}@example.com`;
  const db = () => t.c.database.db;

  /** A seeded person (own session, own personal workspace) added to `owner`'s workspace. */
  async function member(owner: Seeded, role: string): Promise<Seeded> {
    const u = await seedUser(t);
    const res = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: u.email, name: 'Member', role },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().account_created).toBe(false);
    // Make the shared workspace their default, so calls without workspace_id act there.
    await db()
      .updateTable('users')
      .set({ default_workspace_id: owner.workspaceId })
      .where('id', '=', u.userId)
      .execute();
    return u;
  }

  /** A live session for any user id, as the login endpoint would create it. */
  async function sessionFor(userId: string): Promise<string> {
    const sessionId = newId('ses');
    const expires = new Date(Date.now() + 3600_000);
    await db()
      .insertInto('sessions')
      .values({
        id: sessionId,
        user_id: userId,
        via: 'password',
        created_at: codec.now(),
        expires_at: expires.toISOString(),
      })
      .execute();
    return t.c.tokens.sign({ userId, sessionId }, expires);
  }

  const usage = (u: Seeded, ws: string, remoteAddress?: string) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/workspaces/${ws}/usage`,
      headers: { authorization: `Bearer ${u.token}` },
      ...(remoteAddress ? { remoteAddress } : {}),
    });

  it('creates accounts (with a password, or with a set-password mail) and adds existing ones', async () => {
    const owner = await seedUser(t);
    const withPassword = email();
    const a = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: withPassword.toUpperCase(), name: 'Ann', role: 'operator', password: 'correct horse 1' },
    });
    expect(a.statusCode, a.body).toBe(201);
    const ann = a.json();
    expect(ann).toMatchObject({
      email: withPassword,
      role: 'operator',
      status: 'active',
      email_verified: true,
      password_set: true,
      account_created: true,
      password_email_sent: false,
    });
    expect(a.body).not.toContain('correct horse');
    expect(a.body).not.toContain('scrypt');
    const row = await db().selectFrom('users').selectAll().where('id', '=', ann.id).executeTakeFirstOrThrow();
    expect(await verifyPassword('correct horse 1', row.password_hash)).toBe(true);
    expect(row.default_workspace_id).toBe(owner.workspaceId);

    const noPassword = email();
    const b = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: noPassword, name: 'Bo', role: 'viewer' },
    });
    expect(b.statusCode).toBe(201);
    expect(b.json()).toMatchObject({ password_set: false, account_created: true, password_email_sent: true });
    const mail = await db()
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', noPassword)
      .executeTakeFirstOrThrow();
    expect(mail.purpose).toBe('reset_password');
    const token = /token=([\w-]+)/.exec(mail.text_body)![1]!;
    const stored = await db()
      .selectFrom('email_tokens')
      .selectAll()
      .where('user_id', '=', b.json().id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(sha256Hex(token));
    expect(stored.purpose).toBe('reset_password');

    // Existing account: only the membership is added; twice is a conflict.
    const other = await seedUser(t);
    const added = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: other.email, name: 'ignored', role: 'viewer' },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().account_created).toBe(false);
    const again = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: other.email, name: 'x', role: 'viewer' },
    });
    expect(again.statusCode).toBe(409);
    // Never overwrite someone's password by "creating" them.
    const third = await seedUser(t);
    const takeover = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: third.email, name: 'x', role: 'viewer', password: 'hijacked-pass' },
    });
    expect(takeover.statusCode).toBe(409);

    const list = await t.call('GET', '/api/v1/auth/users', { token: owner.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().pagination.total).toBe(4);
    const filtered = await t.call(
      'GET',
      `/api/v1/auth/users?role=viewer&q=${encodeURIComponent(noPassword.toUpperCase())}`,
      {
        token: owner.token,
      },
    );
    expect(filtered.json().items.map((u: { email: string }) => u.email)).toEqual([noPassword]);
    const paged = await t.call('GET', '/api/v1/auth/users?limit=1&offset=1', { token: owner.token });
    expect(paged.json().items).toHaveLength(1);
    expect(paged.json().pagination).toEqual({ limit: 1, offset: 1, total: 4 });

    const events = await db()
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('workspace_id', '=', owner.workspaceId)
      .where('action', 'in', ['user.create', 'member.add'])
      .execute();
    expect(events.filter((e) => e.action === 'user.create')).toHaveLength(2);
    expect(events.filter((e) => e.action === 'member.add')).toHaveLength(3);
    expect(JSON.stringify(events)).not.toContain('correct horse');
  });

  it('shows user detail with action states, and changes roles within the rules', async () => {
    const owner = await seedUser(t);
    const admin = await member(owner, 'admin');
    const viewer = await member(owner, 'viewer');

    const self = await t.call('GET', `/api/v1/auth/users/${owner.userId}`, { token: owner.token });
    expect(self.statusCode).toBe(200);
    expect(self.json().action_states.disable).toEqual({
      allowed: false,
      reason: 'You cannot disable yourself.',
    });
    expect(self.json().action_states.remove.allowed).toBe(false);
    expect(self.json().permissions).toContain('auth:manage');

    const asAdmin = await t.call('GET', `/api/v1/auth/users/${owner.userId}`, { token: admin.token });
    expect(asAdmin.json().action_states.change_role).toEqual({
      allowed: false,
      reason: 'Only an owner can change or remove an owner.',
    });
    const viewerSeen = await t.call('GET', `/api/v1/auth/users/${viewer.userId}`, { token: admin.token });
    expect(viewerSeen.json().action_states.disable.allowed).toBe(true);
    // The viewer also owns a personal workspace the admin does not administer.
    expect(viewerSeen.json().action_states.set_password.allowed).toBe(false);
    expect(viewerSeen.json().permissions).not.toContain('usage:read');

    const promote = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: admin.token,
      body: { role: 'operator' },
    });
    expect(promote.statusCode).toBe(200);
    expect(promote.json().role).toBe('operator');
    const ws = await t.call('GET', `/api/v1/workspaces/${owner.workspaceId}`, { token: viewer.token });
    expect(ws.json().role).toBe('operator');

    const makeOwner = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: admin.token,
      body: { role: 'owner' },
    });
    expect(makeOwner.statusCode).toBe(403);
    const demoteOwner = await t.call('PATCH', `/api/v1/auth/users/${owner.userId}/access`, {
      token: admin.token,
      body: { role: 'viewer' },
    });
    expect(demoteOwner.statusCode).toBe(403);
    const lastOwner = await t.call('PATCH', `/api/v1/auth/users/${owner.userId}/access`, {
      token: owner.token,
      body: { role: 'admin' },
    });
    expect(lastOwner.statusCode).toBe(409);

    const before = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'user.access.update')
      .where('target_id', '=', viewer.userId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(String(before.before)).role).toBe('viewer');
    expect(JSON.parse(String(before.after)).role).toBe('operator');

    // Other workspaces' people do not exist here.
    const stranger = await seedUser(t);
    expect(
      (await t.call('GET', `/api/v1/auth/users/${stranger.userId}`, { token: owner.token })).statusCode,
    ).toBe(404);
    expect(
      (await t.call('GET', `/api/v1/auth/users?workspace_id=${stranger.workspaceId}`, { token: owner.token }))
        .statusCode,
    ).toBe(404);
  });

  it('grants permissions directly and through groups, never beyond the granter', async () => {
    const owner = await seedUser(t);
    const viewer = await member(owner, 'viewer');
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(403);

    const grant = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: owner.token,
      body: { grants: ['usage:read'] },
    });
    expect(grant.statusCode).toBe(200);
    expect(grant.json().grants).toEqual(['usage:read']);
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(200);
    await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: owner.token,
      body: { grants: [] },
    });
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(403);

    const unknown = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: owner.token,
      body: { grants: ['root:everything'] },
    });
    expect(unknown.statusCode).toBe(400);

    // A group carrying usage:read gives it to its members.
    const g = await t.call('POST', '/api/v1/auth/groups', {
      token: owner.token,
      body: {
        name: 'Billing',
        description: 'sees usage',
        permissions: ['usage:read'],
        member_ids: [viewer.userId],
      },
    });
    expect(g.statusCode, g.body).toBe(201);
    const group = g.json();
    expect(group.member_ids).toEqual([viewer.userId]);
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(200);
    const dup = await t.call('POST', '/api/v1/auth/groups', {
      token: owner.token,
      body: { name: 'Billing' },
    });
    expect(dup.statusCode).toBe(409);
    const blank = await t.call('POST', '/api/v1/auth/groups', { token: owner.token, body: { name: ' \t ' } });
    expect(blank.statusCode).toBe(400);
    const detail = await t.call('GET', `/api/v1/auth/users/${viewer.userId}`, { token: owner.token });
    expect(detail.json().groups).toEqual([{ id: group.id, name: 'Billing' }]);
    expect(detail.json().permissions).toContain('usage:read');

    const emptied = await t.call('PATCH', `/api/v1/auth/groups/${group.id}`, {
      token: owner.token,
      body: { member_ids: [] },
    });
    expect(emptied.statusCode).toBe(200);
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(403);
    const viaUser = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: owner.token,
      body: { group_ids: [group.id] },
    });
    expect(viaUser.statusCode).toBe(200);
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(200);
    const listed = await t.call('GET', '/api/v1/auth/groups', { token: owner.token });
    expect(listed.json().items).toHaveLength(1);
    expect(listed.json().items[0].member_ids).toEqual([viewer.userId]);
    expect(
      (await t.call('DELETE', `/api/v1/auth/groups/${group.id}`, { token: owner.token })).statusCode,
    ).toBe(204);
    expect((await usage(viewer, owner.workspaceId)).statusCode).toBe(403);

    // An operator given auth:manage cannot hand out audit:read, which it lacks itself.
    const op = await member(owner, 'operator');
    await t.call('PATCH', `/api/v1/auth/users/${op.userId}/access`, {
      token: owner.token,
      body: { grants: ['auth:manage'] },
    });
    const escalate = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: op.token,
      body: { grants: ['audit:read'] },
    });
    expect(escalate.statusCode).toBe(403);
    expect(escalate.json().error.message).toContain('audit:read');
    const viaGroup = await t.call('POST', '/api/v1/auth/groups', {
      token: op.token,
      body: { name: 'Auditors', roles: ['auditor'], member_ids: [viewer.userId] },
    });
    expect(viaGroup.statusCode).toBe(403);
    const allowedGrant = await t.call('PATCH', `/api/v1/auth/users/${viewer.userId}/access`, {
      token: op.token,
      body: { grants: ['usage:read'] },
    });
    expect(allowedGrant.statusCode).toBe(200);
    const strangerInGroup = await t.call('POST', '/api/v1/auth/groups', {
      token: owner.token,
      body: { name: 'Strangers', member_ids: [(await seedUser(t)).userId] },
    });
    expect(strangerInGroup.statusCode).toBe(400);
  });

  it('access policies: deny removes a permission, ip_cidrs scope it, the set is replaced atomically', async () => {
    const owner = await seedUser(t);
    const admin = await member(owner, 'admin');
    expect((await usage(admin, owner.workspaceId)).statusCode).toBe(200);

    const set = await t.call('PATCH', '/api/v1/auth/access-policies', {
      token: owner.token,
      body: {
        policies: [
          {
            name: 'admins cannot see usage',
            effect: 'deny',
            permissions: ['usage:read'],
            subjects: { roles: ['admin'] },
          },
        ],
      },
    });
    expect(set.statusCode, set.body).toBe(200);
    const stored = set.json().policies;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ effect: 'deny', permissions: ['usage:read'], position: 0 });
    expect(stored[0].id).toMatch(/^pol_/);
    expect((await usage(admin, owner.workspaceId)).statusCode).toBe(403);
    expect((await usage(owner, owner.workspaceId)).statusCode).toBe(200);

    // Only from inside 127.0.0.0/8 (where inject comes from) is usage denied, for everybody.
    const ip = await t.call('PATCH', '/api/v1/auth/access-policies', {
      token: owner.token,
      body: {
        policies: [
          {
            id: stored[0].id,
            name: 'no usage from loopback',
            effect: 'deny',
            permissions: ['usage:read'],
            conditions: { ip_cidrs: ['127.0.0.0/8'] },
          },
        ],
      },
    });
    expect(ip.statusCode).toBe(200);
    expect(ip.json().policies[0].id).toBe(stored[0].id);
    expect((await usage(admin, owner.workspaceId)).statusCode).toBe(403);
    expect((await usage(owner, owner.workspaceId)).statusCode).toBe(403);
    expect((await usage(owner, owner.workspaceId, '10.9.8.7')).statusCode).toBe(200);
    expect((await usage(admin, owner.workspaceId, '10.9.8.7')).statusCode).toBe(200);
    // The owner keeps auth:manage whatever the policies say, so can always undo them.
    const wildcard = await t.call('PATCH', '/api/v1/auth/access-policies', {
      token: owner.token,
      body: { policies: [{ name: 'lock down', effect: 'deny', permissions: ['*'] }] },
    });
    expect(wildcard.statusCode).toBe(200);
    expect((await usage(admin, owner.workspaceId, '10.9.8.7')).statusCode).toBe(403);
    const got = await t.call('GET', '/api/v1/auth/access-policies', { token: owner.token });
    expect(got.json().policies.map((p: { name: string }) => p.name)).toEqual(['lock down']);

    // Invalid sets are refused whole: the stored set is unchanged.
    const bad = [
      [{ name: 'x', effect: 'deny', permissions: ['usage:read'], conditions: { ip_cidrs: ['10.0.0.0/33'] } }],
      [{ name: 'x', effect: 'deny', permissions: ['usage:read'], conditions: { ip_cidrs: ['not-an-ip'] } }],
      [{ name: 'x', effect: 'deny', permissions: ['usage:read'], subjects: { groups: [newId('grp')] } }],
      [
        {
          name: 'x',
          effect: 'deny',
          permissions: ['usage:read'],
          subjects: { users: [(await seedUser(t)).userId] },
        },
      ],
      [{ name: 'x', effect: 'maybe', permissions: ['usage:read'] }],
      [{ name: 'x', effect: 'deny', permissions: ['nope:read'] }],
      [{ name: 'x', effect: 'deny', permissions: [] }],
      [
        {
          name: 'x',
          effect: 'deny',
          permissions: ['usage:read'],
          conditions: { credential_types: ['carrier_pigeon'] },
        },
      ],
      [{ name: 'x', effect: 'deny', permissions: ['usage:read'], extra: 1 }],
      Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, effect: 'deny', permissions: ['usage:read'] })),
      [
        {
          name: 'x',
          effect: 'deny',
          permissions: ['usage:read'],
          conditions: { ip_cidrs: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) },
        },
      ],
    ];
    for (const policies of bad) {
      const res = await t.call('PATCH', '/api/v1/auth/access-policies', {
        token: owner.token,
        body: { policies },
      });
      expect(res.statusCode, JSON.stringify(policies).slice(0, 200)).toBe(400);
    }
    const unchanged = await t.call('GET', '/api/v1/auth/access-policies', { token: owner.token });
    expect(unchanged.json().policies.map((p: { name: string }) => p.name)).toEqual(['lock down']);

    // Subjects may name this workspace's groups and members; an empty set clears everything.
    const grp = (
      await t.call('POST', '/api/v1/auth/groups', { token: owner.token, body: { name: 'Ops' } })
    ).json();
    const scoped = await t.call('PATCH', '/api/v1/auth/access-policies', {
      token: owner.token,
      body: {
        policies: [
          {
            name: 'scoped',
            effect: 'deny',
            permissions: ['usage:read'],
            subjects: { groups: [grp.id], users: [admin.userId] },
            conditions: { credential_types: ['api_key'] },
          },
        ],
      },
    });
    expect(scoped.statusCode, scoped.body).toBe(200);
    expect((await usage(admin, owner.workspaceId)).statusCode).toBe(200);
    const cleared = await t.call('PATCH', '/api/v1/auth/access-policies', {
      token: owner.token,
      body: { policies: [] },
    });
    expect(cleared.json().policies).toEqual([]);
    const audit = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'access_policies.replace')
      .where('workspace_id', '=', owner.workspaceId)
      .orderBy('occurred_at')
      .execute();
    expect(audit).toHaveLength(5);
    expect(JSON.parse(String(audit[4]!.before))[0].name).toBe('scoped');
    expect(JSON.parse(String(audit[4]!.after))).toEqual([]);
  });

  it('disables and re-enables a membership, and protects the caller and the owner', async () => {
    const owner = await seedUser(t);
    const admin = await member(owner, 'admin');
    const op = await member(owner, 'operator');
    await t.call('PATCH', `/api/v1/auth/users/${op.userId}/access`, {
      token: owner.token,
      body: { grants: ['usage:read'] },
    });
    expect((await usage(op, owner.workspaceId)).statusCode).toBe(200);
    const off = await t.call('PATCH', `/api/v1/auth/users/${op.userId}/status`, {
      token: admin.token,
      body: { status: 'disabled' },
    });
    expect(off.statusCode).toBe(200);
    expect(off.json().status).toBe('disabled');
    expect(off.json().permissions).toEqual([]);
    expect((await usage(op, owner.workspaceId)).statusCode).toBe(403);
    // Their own workspace is unaffected.
    expect((await usage(op, op.workspaceId)).statusCode).toBe(200);
    const filtered = await t.call('GET', '/api/v1/auth/users?status=disabled', { token: owner.token });
    expect(filtered.json().items.map((u: { id: string }) => u.id)).toEqual([op.userId]);
    const on = await t.call('PATCH', `/api/v1/auth/users/${op.userId}/status`, {
      token: admin.token,
      body: { status: 'active' },
    });
    expect(on.statusCode).toBe(200);
    expect((await usage(op, owner.workspaceId)).statusCode).toBe(200);

    const selfOff = await t.call('PATCH', `/api/v1/auth/users/${admin.userId}/status`, {
      token: admin.token,
      body: { status: 'disabled' },
    });
    expect(selfOff.statusCode).toBe(403);
    const ownerOff = await t.call('PATCH', `/api/v1/auth/users/${owner.userId}/status`, {
      token: admin.token,
      body: { status: 'disabled' },
    });
    expect(ownerOff.statusCode).toBe(403);
    const denials = await db()
      .selectFrom('audit_events')
      .select(['action', 'reason'])
      .where('actor_id', '=', admin.userId)
      .where('outcome', '=', 'denied')
      .execute();
    expect(denials.map((d) => d.action)).toEqual(['user.status.update', 'user.status.update']);
    const changes = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'user.status.update')
      .where('outcome', '=', 'success')
      .where('target_id', '=', op.userId)
      .execute();
    // Both land in the same millisecond at times: compare as a set, not by row order.
    const transitions = changes
      .map((c) => `${JSON.parse(String(c.before)).status}→${JSON.parse(String(c.after)).status}`)
      .sort();
    expect(transitions).toEqual(['active→disabled', 'disabled→active']);
  });

  it('sets passwords (revoking sessions) only where the admin administers the user everywhere', async () => {
    const owner = await seedUser(t);
    const created = await t.call('POST', '/api/v1/auth/users', {
      token: owner.token,
      body: { email: email(), name: 'Only here', role: 'viewer', password: 'first-password' },
    });
    const userId = created.json().id as string;
    const token = await sessionFor(userId);
    const token2 = await sessionFor(userId);
    expect((await t.call('GET', '/api/v1/workspaces', { token })).statusCode).toBe(200);

    const set = await t.call('PATCH', `/api/v1/auth/users/${userId}/password`, {
      token: owner.token,
      body: { password: 'second-password' },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ user_id: userId, result: 'password_set', sessions_revoked: 2 });
    for (const tk of [token, token2]) {
      expect((await t.call('GET', '/api/v1/workspaces', { token: tk })).statusCode).toBe(401);
    }
    const row = await db().selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    expect(await verifyPassword('second-password', row.password_hash)).toBe(true);
    const event = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'user.password.set')
      .where('target_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(String(event.after)).not.toContain('second-password');

    // Someone who also owns a workspace of their own only gets a reset mail.
    const elsewhere = await member(owner, 'viewer');
    const refused = await t.call('PATCH', `/api/v1/auth/users/${elsewhere.userId}/password`, {
      token: owner.token,
      body: { password: 'not-yours-to-set' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('send_reset_email');
    expect((await t.call('GET', '/api/v1/workspaces', { token: elsewhere.token })).statusCode).toBe(200);
    const mailed = await t.call('PATCH', `/api/v1/auth/users/${elsewhere.userId}/password`, {
      token: owner.token,
      body: { send_reset_email: true },
    });
    expect(mailed.statusCode).toBe(200);
    expect(mailed.json().result).toBe('reset_email_sent');
    const mail = await db()
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', elsewhere.email)
      .where('purpose', '=', 'reset_password')
      .executeTakeFirstOrThrow();
    expect(mail.text_body).toContain('/reset-password?token=');

    const neither = await t.call('PATCH', `/api/v1/auth/users/${elsewhere.userId}/password`, {
      token: owner.token,
      body: { send_reset_email: false },
    });
    expect(neither.statusCode).toBe(400);
    const both = await t.call('PATCH', `/api/v1/auth/users/${elsewhere.userId}/password`, {
      token: owner.token,
      body: { send_reset_email: true, password: 'abcdefgh1' },
    });
    expect(both.statusCode).toBe(400);
    const short = await t.call('PATCH', `/api/v1/auth/users/${userId}/password`, {
      token: owner.token,
      body: { password: 'short' },
    });
    expect(short.statusCode).toBe(400);
  });

  it('refuses non-admins with 403 and audits the denial; removes members', async () => {
    const owner = await seedUser(t);
    const viewer = await member(owner, 'viewer');
    for (const [method, url, body] of [
      ['GET', '/api/v1/auth/users', undefined],
      ['GET', '/api/v1/auth/groups', undefined],
      ['GET', '/api/v1/auth/access-policies', undefined],
      ['PATCH', '/api/v1/auth/access-policies', { policies: [] }],
      ['POST', '/api/v1/auth/users', { email: email(), name: 'x', role: 'viewer' }],
    ] as const) {
      const res = await t.call(method, `${url}?workspace_id=${owner.workspaceId}`, {
        token: viewer.token,
        body,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    const denied = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_id', '=', viewer.userId)
      .where('outcome', '=', 'denied')
      .where('permission', '=', 'auth:manage')
      .execute();
    expect(denied.map((d) => d.action)).toEqual([
      'user.list',
      'group.list',
      'access_policies.read',
      'access_policies.replace',
      'user.create',
    ]);
    expect(denied.every((d) => d.workspace_id === owner.workspaceId)).toBe(true);

    // An admin-scoped key may administer; a read key may not.
    const adminKey = (
      await t.call('POST', '/api/v1/keys', { token: owner.token, body: { name: 'adm', scopes: ['admin'] } })
    ).json().key.plaintext;
    const readKey = (await t.call('POST', '/api/v1/keys', { token: owner.token, body: { name: 'r' } })).json()
      .key.plaintext;
    expect((await t.call('GET', '/api/v1/auth/users', { token: adminKey })).statusCode).toBe(200);
    expect((await t.call('GET', '/api/v1/auth/users', { token: readKey })).statusCode).toBe(403);

    const viewerKey = await t.call('POST', '/api/v1/keys', {
      token: viewer.token,
      body: { name: 'v', workspace_id: owner.workspaceId },
    });
    const removed = await t.call('DELETE', `/api/v1/auth/users/${viewer.userId}`, { token: owner.token });
    expect(removed.statusCode).toBe(204);
    expect(
      (await t.call('GET', `/api/v1/workspaces/${owner.workspaceId}`, { token: viewer.token })).statusCode,
    ).toBe(404);
    // Their key in that workspace went with the membership.
    expect(
      (await t.call('GET', '/api/v1/workspaces', { token: viewerKey.json().key.plaintext })).statusCode,
    ).toBe(401);
    expect(
      (await t.call('DELETE', `/api/v1/auth/users/${viewer.userId}`, { token: owner.token })).statusCode,
    ).toBe(404);
    const removal = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'member.remove')
      .where('target_id', '=', viewer.userId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(String(removal.before)).email).toBe(viewer.email);
    const lastOwner = await t.call('DELETE', `/api/v1/auth/users/${owner.userId}`, { token: owner.token });
    expect(lastOwner.statusCode).toBe(409);
  });

  it('serves the permission catalogue to any signed-in caller', async () => {
    const u = await seedUser(t);
    const res = await t.call('GET', '/api/v1/auth/permissions', { token: u.token });
    expect(res.statusCode).toBe(200);
    const cat = res.json();
    expect(cat.permissions).toContainEqual({ name: 'auth:manage', level: 'admin', family: 'auth' });
    expect(cat.roles.map((r: { name: string }) => r.name)).toEqual([
      'owner',
      'admin',
      'operator',
      'viewer',
      'auditor',
    ]);
    const viewer = cat.roles.find((r: { name: string }) => r.name === 'viewer');
    expect(viewer.permissions).toContain('recording:read');
    expect(viewer.permissions).not.toContain('usage:read');
    const read = cat.key_scopes.find((s: { name: string }) => s.name === 'read');
    expect(read.permissions).not.toContain('recording:edit');
    expect((await t.call('GET', '/api/v1/auth/permissions')).statusCode).toBe(401);
  });
});
