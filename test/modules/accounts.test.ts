import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codec } from '../../src/platform/db/codec.js';
import { generateApiKey } from '../../src/platform/auth/tokens.js';
import { newId } from '../../src/platform/ids.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

type Call = (
  method: InjectOptions['method'],
  url: string,
  opts?: { token?: string; body?: unknown },
) => Promise<LightMyRequestResponse>;

let ipCounter = 0;
/**
 * A client with its own address, so the per-IP login throttle and the anonymous rate
 * limit of one test do not leak into the next.
 */
function clientOf(t: TestApp): Call {
  const remoteAddress = `10.1.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
  return (method, url, opts = {}) =>
    t.app.inject({
      method,
      url,
      remoteAddress,
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });
}

const uniqueEmail = (tag: string) => `${tag}-${newId('x').slice(-10)}@example.com`;
const PASSWORD = 'correct horse battery';

async function latestMail(t: TestApp, to: string, purpose: string) {
  await t.c.accountEmails.idle();
  return t.c.database.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('to_address', '=', to)
    .where('purpose', '=', purpose)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

const tokenIn = (text: string) => /token=([\w-]+)/.exec(text)![1]!;

async function signup(call: Call, email: string, extra: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, ...extra } });
  return res;
}

describe.each(DIALECTS)('accounts on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('signs up, verifies, logs in, reads /me, logs out; the old token is dead', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('flow');
    const res = await signup(call, email.toUpperCase(), { name: 'Ada' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({
      email,
      name: 'Ada',
      email_verified: false,
      // The first account of a fresh instance administers it.
      is_instance_admin: true,
    });
    expect(body.user.id).toMatch(/^usr_[0-9a-z]{26}$/);
    expect(body.user).not.toHaveProperty('password_hash');
    expect(body.workspace).toMatchObject({ name: "Ada's workspace", role: 'owner' });
    expect(body.workspace.permissions).toContain('workspace:manage');
    expect(body.user.default_workspace_id).toBe(body.workspace.id);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());

    const mail = await latestMail(t, email, 'verify_email');
    expect(mail?.status).toBe('kept');
    expect(mail?.text_body).toContain('/verify-email?token=');
    expect(mail?.text_body).toContain('POST');
    const verifyToken = tokenIn(mail!.text_body);

    const verified = await call('POST', '/api/v1/auth/verify-email', { body: { token: verifyToken } });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().user.email_verified).toBe(true);
    const reused = await call('POST', '/api/v1/auth/verify-email', { body: { token: verifyToken } });
    expect(reused.statusCode).toBe(400);

    const login = await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const token = login.json().token as string;
    expect(login.json().user.email_verified).toBe(true);

    const me = await call('GET', '/api/v1/auth/me', { token });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ email, is_instance_admin: true, email_verified: true });
    expect(me.json().workspaces).toEqual([
      expect.objectContaining({ id: body.workspace.id, role: 'owner', permissions: expect.any(Array) }),
    ]);
    expect(me.json().credential.type).toBe('session');

    const logout = await call('POST', '/api/v1/auth/logout', { token });
    expect(logout.statusCode).toBe(204);
    const after = await call('GET', '/api/v1/auth/me', { token });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toContain('Bearer');
    // The sign-up session is a different one and lives on.
    expect((await call('GET', '/api/v1/auth/me', { token: body.token })).statusCode).toBe(200);

    // Every step shows up in the workspace's audit log.
    const audit = await call('GET', '/api/v1/audit-events?limit=100', { token: body.token });
    expect(audit.statusCode).toBe(200);
    const actions = (audit.json().items as Array<{ action: string }>).map((e) => e.action);
    for (const a of ['auth.signup', 'workspace.create', 'auth.verify_email', 'auth.login', 'auth.logout']) {
      expect(actions).toContain(a);
    }
    expect(audit.body).not.toContain(PASSWORD);

    // Later accounts are not instance admins.
    const second = await signup(call, uniqueEmail('second'));
    expect(second.json().user.is_instance_admin).toBe(false);
  });

  it('refuses a duplicate email with 409, whatever its case', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('dup');
    expect((await signup(call, email)).statusCode).toBe(201);
    const again = await signup(call, email.toUpperCase());
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');

    // Two sign-ups racing for one address: the unique index decides, the loser gets 409.
    const racing = uniqueEmail('race');
    const both = await Promise.all([signup(call, racing), signup(clientOf(t), racing)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });

  it('validates sign-up bodies', async () => {
    const call = clientOf(t);
    const short = await call('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('short'), password: 'short' },
    });
    expect(short.statusCode).toBe(400);
    const extra = await call('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('extra'), password: PASSWORD, is_instance_admin: true },
    });
    expect(extra.statusCode).toBe(400);
    const notEmail = await call('POST', '/api/v1/auth/signup', {
      body: { email: 'nope', password: PASSWORD },
    });
    expect(notEmail.statusCode).toBe(400);
  });

  it('answers a wrong password and an unknown email the same way, and audits the failure', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('wrong');
    await signup(call, email);
    const wrong = await call('POST', '/api/v1/auth/login', { body: { email, password: 'not the password' } });
    const unknown = await call('POST', '/api/v1/auth/login', {
      body: { email: uniqueEmail('nobody'), password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
    expect(wrong.headers['www-authenticate']).toContain('Bearer');

    const failures = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'auth.login')
      .where('outcome', '=', 'failure')
      .where('actor_label', '=', email)
      .execute();
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures)).not.toContain('not the password');

    await t.c.database.db
      .updateTable('users')
      .set({ status: 'disabled' })
      .where('email', '=', email)
      .execute();
    const disabled = await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(disabled.statusCode).toBe(401);
    expect(disabled.json().error.message).toBe('This account is disabled.');
  });

  it('locks an email after repeated failures, with Retry-After and a growing wait', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('brute');
    await signup(call, email);
    for (let i = 0; i < 5; i++) {
      const r = await call('POST', '/api/v1/auth/login', { body: { email, password: `guess-${i}` } });
      expect(r.statusCode).toBe(401);
    }
    // Locked: even the right password waits.
    const locked = await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(locked.json().error.message).toMatch(/Try again in \d+ seconds/);
    const first = Number(locked.headers['retry-after']);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(60);

    // From another address the email is still locked: the key is the account.
    const elsewhere = await clientOf(t)('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
    });
    expect(elsewhere.statusCode).toBe(429);

    // When the lock ends, one more failure locks it again for twice as long.
    const past = new Date(Date.now() - 1000).toISOString();
    await t.c.database.db
      .updateTable('login_failures')
      .set({ locked_until: past })
      .where('key', '=', `email:${email}`)
      .execute();
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: 'again wrong' } })).statusCode,
    ).toBe(401);
    const relocked = await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(relocked.statusCode).toBe(429);
    expect(Number(relocked.headers['retry-after'])).toBeGreaterThan(60);

    // Unknown emails lock the same way, so the lock reveals nothing.
    const ghost = uniqueEmail('ghost');
    const ghostCall = clientOf(t);
    for (let i = 0; i < 5; i++)
      await ghostCall('POST', '/api/v1/auth/login', { body: { email: ghost, password: 'x' } });
    expect(
      (await ghostCall('POST', '/api/v1/auth/login', { body: { email: ghost, password: 'x' } })).statusCode,
    ).toBe(429);

    // After the lock a success clears the counter.
    await t.c.database.db
      .updateTable('login_failures')
      .set({ locked_until: past })
      .where('key', '=', `email:${email}`)
      .execute();
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).statusCode,
    ).toBe(200);
    const row = await t.c.database.db
      .selectFrom('login_failures')
      .selectAll()
      .where('key', '=', `email:${email}`)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('resets a forgotten password: 202 for anyone, one-time token, old sessions end', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('forgot');
    const { token: oldSession } = (await signup(call, email)).json();

    const unknown = await call('POST', '/api/v1/auth/forgot-password', {
      body: { email: uniqueEmail('nobody') },
    });
    expect(unknown.statusCode).toBe(202);
    const known = await call('POST', '/api/v1/auth/forgot-password', { body: { email } });
    expect(known.statusCode).toBe(202);
    expect(known.json().message).toBe(unknown.json().message);

    const mail = await latestMail(t, email, 'reset_password');
    expect(mail?.subject).toMatch(/reset/i);
    const resetToken = tokenIn(mail!.text_body);

    // Asking again within a minute does not send another mail.
    await call('POST', '/api/v1/auth/forgot-password', { body: { email } });
    expect((await latestMail(t, email, 'reset_password'))?.id).toBe(mail!.id);

    const weak = await call('POST', '/api/v1/auth/reset-password', {
      body: { token: resetToken, password: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    const bogus = await call('POST', '/api/v1/auth/reset-password', {
      body: { token: 'x'.repeat(43), password: 'another good password' },
    });
    expect(bogus.statusCode).toBe(400);

    const reset = await call('POST', '/api/v1/auth/reset-password', {
      body: { token: resetToken, password: 'another good password' },
    });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().user.email).toBe(email);
    // The mailed link proved the address.
    expect(reset.json().user.email_verified).toBe(true);

    expect((await call('GET', '/api/v1/auth/me', { token: oldSession })).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).statusCode,
    ).toBe(401);
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: 'another good password' } }))
        .statusCode,
    ).toBe(200);
    const reuse = await call('POST', '/api/v1/auth/reset-password', {
      body: { token: resetToken, password: 'a third password!' },
    });
    expect(reuse.statusCode).toBe(400);
  });

  it('resends verification at most once a minute, and only to unverified accounts', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('resend');
    const { token, user } = (await signup(call, email)).json();
    const firstToken = tokenIn((await latestMail(t, email, 'verify_email'))!.text_body);

    expect((await call('POST', '/api/v1/auth/resend-verification')).statusCode).toBe(401);
    const tooSoon = await call('POST', '/api/v1/auth/resend-verification', { token });
    expect(tooSoon.statusCode).toBe(429);
    expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);

    const earlier = new Date(Date.now() - 2 * 60_000).toISOString();
    await t.c.database.db
      .updateTable('email_tokens')
      .set({ created_at: earlier })
      .where('user_id', '=', user.id)
      .execute();
    const resent = await call('POST', '/api/v1/auth/resend-verification', { token });
    expect(resent.statusCode).toBe(202);
    const secondToken = tokenIn((await latestMail(t, email, 'verify_email'))!.text_body);
    expect(secondToken).not.toBe(firstToken);

    // Only the newest link works.
    expect(
      (await call('POST', '/api/v1/auth/verify-email', { body: { token: firstToken } })).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/api/v1/auth/verify-email', { body: { token: secondToken } })).statusCode,
    ).toBe(200);
    const done = await call('POST', '/api/v1/auth/resend-verification', { token });
    expect(done.statusCode).toBe(409);
  });

  it('changes name, default workspace and password (with the current one); other sessions end', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('patch');
    const { token: a } = (await signup(call, email)).json();
    const b = (await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).json()
      .token;

    const renamed = await call('PATCH', '/api/v1/auth/me', { token: a, body: { name: 'Grace' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().user.name).toBe('Grace');

    const noCurrent = await call('PATCH', '/api/v1/auth/me', {
      token: a,
      body: { password: 'new password 1' },
    });
    expect(noCurrent.statusCode).toBe(400);
    const wrongCurrent = await call('PATCH', '/api/v1/auth/me', {
      token: a,
      body: { password: 'new password 1', current_password: 'nope nope' },
    });
    expect(wrongCurrent.statusCode).toBe(403);
    expect(wrongCurrent.json().error.message).toMatch(/current password/i);

    const changed = await call('PATCH', '/api/v1/auth/me', {
      token: a,
      body: { password: 'new password 1', current_password: PASSWORD },
    });
    expect(changed.statusCode).toBe(200);
    expect((await call('GET', '/api/v1/auth/me', { token: a })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/auth/me', { token: b })).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: 'new password 1' } })).statusCode,
    ).toBe(200);

    const other = await seedUser(t);
    const foreign = await call('PATCH', '/api/v1/auth/me', {
      token: a,
      body: { default_workspace_id: other.workspaceId },
    });
    expect(foreign.statusCode).toBe(404);
    const created = await call('POST', '/api/v1/workspaces', { token: a, body: { name: 'Second' } });
    const moved = await call('PATCH', '/api/v1/auth/me', {
      token: a,
      body: { default_workspace_id: created.json().id },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().user.default_workspace_id).toBe(created.json().id);

    expect((await call('PATCH', '/api/v1/auth/me', { token: a, body: {} })).statusCode).toBe(400);
    expect((await call('PATCH', '/api/v1/auth/me', { token: a, body: { name: '   ' } })).statusCode).toBe(
      400,
    );
  });

  it('shows an API key as the credential, and refuses keys for logout and account changes', async () => {
    const call = clientOf(t);
    const u = await seedUser(t);
    const key = generateApiKey();
    await t.c.database.db
      .insertInto('api_keys')
      .values({
        id: newId('key'),
        workspace_id: u.workspaceId,
        user_id: u.userId,
        name: 'test',
        prefix: key.prefix,
        key_hash: key.hash,
        scopes: codec.json(['read']),
        created_at: codec.now(),
      })
      .execute();
    const me = await call('GET', '/api/v1/auth/me', { token: key.plaintext });
    expect(me.statusCode).toBe(200);
    expect(me.json().credential).toMatchObject({
      type: 'api_key',
      scopes: ['read'],
      workspace_id: u.workspaceId,
    });
    expect(me.json().workspaces).toHaveLength(1);
    expect(me.json().workspaces[0].permissions).not.toContain('workspace:manage');

    const logout = await call('POST', '/api/v1/auth/logout', { token: key.plaintext });
    expect(logout.statusCode).toBe(400);
    expect(logout.json().error.message).toMatch(/API keys cannot log out/);
    expect(
      (await call('PATCH', '/api/v1/auth/me', { token: key.plaintext, body: { name: 'x' } })).statusCode,
    ).toBe(403);
    expect(
      (await call('DELETE', '/api/v1/auth/me', { token: key.plaintext, body: { password: PASSWORD } }))
        .statusCode,
    ).toBe(403);
    expect((await call('GET', '/api/v1/auth/me')).statusCode).toBe(401);
  });

  it('deletes an account, but not while it is the last owner of a shared workspace', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('leaver');
    const { token, workspace, user } = (await signup(call, email)).json();
    const guest = await seedUser(t);
    const shared = (await call('POST', '/api/v1/workspaces', { token, body: { name: 'Team' } })).json();
    await t.c.workspacesRepo.addMember(shared.id, guest.userId, 'viewer');

    const wrong = await call('DELETE', '/api/v1/auth/me', { token, body: { password: 'not mine' } });
    expect(wrong.statusCode).toBe(403);
    const blocked = await call('DELETE', '/api/v1/auth/me', { token, body: { password: PASSWORD } });
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.message).toContain('Team');

    const promote = await call('PATCH', `/api/v1/workspaces/${shared.id}/members/${guest.userId}`, {
      token,
      body: { role: 'owner' },
    });
    expect(promote.statusCode).toBe(200);
    const gone = await call('DELETE', '/api/v1/auth/me', { token, body: { password: PASSWORD } });
    expect(gone.statusCode).toBe(204);

    expect((await call('GET', '/api/v1/auth/me', { token })).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).statusCode,
    ).toBe(401);
    const { db } = t.c.database;
    expect(
      await db.selectFrom('workspaces').select('id').where('id', '=', workspace.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await db.selectFrom('workspaces').select('id').where('id', '=', shared.id).executeTakeFirst(),
    ).toBeDefined();
    expect(await db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    const trail = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'user.delete')
      .where('outcome', '=', 'success')
      .where('target_id', '=', user.id)
      .execute();
    expect(trail.map((e) => e.workspace_id)).toEqual([shared.id]);
    // The address is free again.
    expect((await signup(call, email)).statusCode).toBe(201);
  });

  it('creates the instance owner for the CLI, and updates it when run again', async () => {
    const call = clientOf(t);
    const email = uniqueEmail('owner');
    const first = await t.c.accounts.createOwner({
      email,
      password: 'owner password',
      name: 'Owner',
      workspaceName: 'HQ',
    });
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ email, is_instance_admin: true, email_verified: true });
    expect(first.workspace?.name).toBe('HQ');
    const login = await call('POST', '/api/v1/auth/login', { body: { email, password: 'owner password' } });
    expect(login.statusCode).toBe(200);

    const again = await t.c.accounts.createOwner({
      email,
      password: 'fresh password',
      name: 'x',
      workspaceName: 'y',
    });
    expect(again.created).toBe(false);
    expect(again.workspace).toBeUndefined();
    expect((await call('GET', '/api/v1/auth/me', { token: login.json().token })).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/auth/login', { body: { email, password: 'fresh password' } })).statusCode,
    ).toBe(200);
    await expect(
      t.c.accounts.createOwner({
        email: 'not-an-email',
        password: 'long enough',
        name: 'x',
        workspaceName: 'y',
      }),
    ).rejects.toThrow(/not an email/);
  });
});

describe.each(DIALECTS)('sign-up modes and the mail outbox on %s', (dialect) => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
  });
  const app = async (overrides: Parameters<typeof createTestApp>[1] = {}) => {
    const t = await createTestApp(dialect, overrides);
    apps.push(t);
    return t;
  };

  it('makes exactly one of several racing first sign-ups the instance admin', async () => {
    const t = await app();
    const results = await Promise.all([1, 2, 3, 4].map((i) => signup(clientOf(t), uniqueEmail(`first${i}`))));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const admins = results.filter((r) => r.json().user.is_instance_admin);
    expect(admins).toHaveLength(1);
  });

  it('refuses every sign-up when closed', async () => {
    const t = await app({ signup: 'closed' });
    const res = await signup(clientOf(t), uniqueEmail('closed'));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/closed/);
  });

  it('needs a valid invitation for the same address when invite-only', async () => {
    const t = await app({ signup: 'invite' });
    const call = clientOf(t);
    const owner = await seedUser(t);
    const email = uniqueEmail('invited');
    const invite = await call('POST', '/api/v1/workspaces/invite', {
      token: owner.token,
      body: { workspace_id: owner.workspaceId, email, role: 'operator' },
    });
    expect(invite.statusCode).toBe(201);
    const inviteToken = tokenIn((await latestMail(t, email, 'invite'))!.text_body);

    expect((await signup(call, email)).statusCode).toBe(403);
    const otherAddress = await signup(call, uniqueEmail('other'), { invite_token: inviteToken });
    expect(otherAddress.statusCode).toBe(400);

    const ok = await signup(call, email, { invite_token: inviteToken });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().user.email_verified).toBe(true);
    // Users already existed, so this account does not administer the instance.
    expect(ok.json().user.is_instance_admin).toBe(false);
    const me = (await call('GET', '/api/v1/auth/me', { token: ok.json().token })).json();
    const roles = Object.fromEntries(
      (me.workspaces as Array<{ id: string; role: string }>).map((w) => [w.id, w.role]),
    );
    expect(roles[owner.workspaceId]).toBe('operator');
    expect(roles[ok.json().workspace.id]).toBe('owner');
    // No verification mail: the invitation already proved the address.
    expect(await latestMail(t, email, 'verify_email')).toBeUndefined();

    const reused = await signup(call, uniqueEmail('late'), { invite_token: inviteToken });
    expect(reused.statusCode).toBe(400);
  });

  it('shows the outbox to instance admins only', async () => {
    const t = await app();
    const call = clientOf(t);
    const admin = (await signup(call, uniqueEmail('admin'))).json();
    expect(admin.user.is_instance_admin).toBe(true);
    const userEmail = uniqueEmail('someone');
    const user = (await signup(call, userEmail)).json();

    const list = await call('GET', '/api/v1/admin/outbox?limit=1000', { token: admin.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().pagination).toMatchObject({ limit: 500, offset: 0, total: 2 });
    const [newest] = list.json().items;
    expect(newest).toMatchObject({ to: userEmail, purpose: 'verify_email', status: 'kept' });
    expect(newest.text_body).toContain('token=');

    const filtered = await call('GET', `/api/v1/admin/outbox?to=${encodeURIComponent(userEmail)}`, {
      token: admin.token,
    });
    expect(filtered.json().items).toHaveLength(1);
    const one = await call('GET', `/api/v1/admin/outbox/${newest.id}`, { token: admin.token });
    expect(one.statusCode).toBe(200);
    expect(one.json().id).toBe(newest.id);
    expect(
      (await call('GET', `/api/v1/admin/outbox/${newId('mail')}`, { token: admin.token })).statusCode,
    ).toBe(404);

    const denied = await call('GET', '/api/v1/admin/outbox', { token: user.token });
    expect(denied.statusCode).toBe(403);
    expect((await call('GET', `/api/v1/admin/outbox/${newest.id}`, { token: user.token })).statusCode).toBe(
      403,
    );
    expect((await call('GET', '/api/v1/admin/outbox')).statusCode).toBe(401);
    const bad = await call('GET', '/api/v1/admin/outbox/mail_1', { token: admin.token });
    expect(bad.statusCode).toBe(400);
  });
});
