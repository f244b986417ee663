import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueryService } from '../../src/modules/audit/audit.query.service.js';
import { csvCell } from '../../src/modules/audit/audit.export.js';
import type { KeyScope } from '../../src/platform/auth/permissions.js';
import type { Principal } from '../../src/platform/auth/principal.js';
import { generateApiKey } from '../../src/platform/auth/tokens.js';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

type Seeded = Awaited<ReturnType<typeof seedUser>>;

/** RFC 4180 parser, strict enough to prove the export round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

function principalOf(u: Seeded, extra: Partial<Principal> = {}): Principal {
  return {
    kind: 'user',
    userId: u.userId,
    email: u.email,
    isInstanceAdmin: false,
    credential: { type: 'session', id: u.sessionId },
    ip: '10.0.0.1',
    ...extra,
  };
}

async function createKey(t: TestApp, u: Seeded, scopes: KeyScope[]): Promise<string> {
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
      scopes: codec.json(scopes),
      created_at: codec.now(),
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return key.plaintext;
}

describe.each(DIALECTS)('audit log read API on %s', (dialect) => {
  let t: TestApp;
  let alice: Seeded;
  let bob: Seeded;
  let viewer: Seeded;
  let bobEventId: string;
  let injectionId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    alice = await seedUser(t, `alice-${dialect}@example.com`);
    bob = await seedUser(t);
    viewer = await seedUser(t);
    await t.c.workspacesRepo.addMember(alice.workspaceId, viewer.userId, 'viewer');

    // Real events through the API: a rename with before/after.
    const renamed = await t.call('PATCH', `/api/v1/workspaces/${alice.workspaceId}`, {
      token: alice.token,
      body: { name: 'Renamed' },
    });
    expect(renamed.statusCode).toBe(200);
    // Crafted events: a denial, a node, and hostile strings for the CSV.
    await t.c.audit.record(principalOf(viewer), {
      workspaceId: alice.workspaceId,
      action: 'member.update',
      permission: 'auth:manage',
      outcome: 'denied',
      target: { type: 'member', id: alice.userId },
      reason: 'role does not grant auth:manage',
    });
    await t.c.audit.record(
      {
        kind: 'node',
        isInstanceAdmin: false,
        credential: { type: 'node', id: 'nod_01jzzzzzzzzzzzzzzzzzzzzzzz' },
      },
      {
        workspaceId: alice.workspaceId,
        action: 'recording.create',
        permission: 'recording:create',
        target: { type: 'recording', id: 'rec_01jzzzzzzzzzzzzzzzzzzzzzzz' },
      },
    );
    await t.c.audit.record(principalOf(alice, { userAgent: '=HYPERLINK("http://evil.example","x")' }), {
      workspaceId: alice.workspaceId,
      action: 'workspace.update',
      permission: 'workspace:manage',
      target: { type: 'workspace', id: alice.workspaceId },
      reason: '+cmd|\' /C calc\'!A0, "quoted"\nsecond line',
      before: { name: '@SUM(1+1)', password: 'hunter2' },
      after: { name: '-2+3' },
    });
    await t.c.audit.record(principalOf(bob), {
      workspaceId: bob.workspaceId,
      action: 'workspace.update',
      permission: 'workspace:manage',
      target: { type: 'workspace', id: bob.workspaceId },
      before: { name: 'secret-of-bob' },
    });
    const [bobs] = (await t.c.auditRepo.list({ workspaceId: bob.workspaceId }, 1, 0)).items;
    bobEventId = bobs!.id;
    const found = await t.c.auditRepo.list({ workspaceId: alice.workspaceId, q: '=hyperlink' }, 5, 0);
    expect(found.items).toHaveLength(0); // q searches action/actor/target, not the user agent
    const mine = await t.c.auditRepo.list(
      { workspaceId: alice.workspaceId, action: 'workspace.update', outcome: 'success' },
      5,
      0,
    );
    injectionId = mine.items.find((e) => e.user_agent?.startsWith('='))!.id;
  });
  afterAll(async () => t?.close());

  it('lists the workspace log newest first, without snapshots, paginated', async () => {
    const res = await t.call('GET', '/api/v1/audit-events?limit=2', { token: alice.token });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.pagination).toEqual({ limit: 2, offset: 0, total: 4 });
    expect(body.items).toHaveLength(2);
    expect(body.items[0].id).toBe(injectionId);
    expect(body.items[0]).not.toHaveProperty('before');
    expect(body.items[0]).not.toHaveProperty('after');
    expect(body.items[0]).toMatchObject({
      workspace_id: alice.workspaceId,
      action: 'workspace.update',
      outcome: 'success',
      actor: { type: 'user', id: alice.userId, label: alice.email },
      credential: { type: 'session', id: alice.sessionId },
      target: { type: 'workspace', id: alice.workspaceId },
    });
    const times = body.items.map((e: { occurred_at: string }) => e.occurred_at);
    expect([...times].sort().reverse()).toEqual(times);
    const page2 = (
      await t.call('GET', '/api/v1/audit-events?limit=2&offset=2', { token: alice.token })
    ).json();
    expect(page2.items.map((e: { id: string }) => e.id)).not.toContain(injectionId);
    expect(page2.items.every((e: { workspace_id: string }) => e.workspace_id === alice.workspaceId)).toBe(
      true,
    );
    // Limits are clamped, never trusted.
    const huge = await t.call('GET', '/api/v1/audit-events?limit=100000', { token: alice.token });
    expect(huge.json().pagination.limit).toBe(500);
  });

  it('filters by action (exact and prefix), actor, target, outcome, permission, time and text', async () => {
    const count = async (query: string) => {
      const res = await t.call('GET', `/api/v1/audit-events?${query}`, { token: alice.token });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().pagination.total as number;
    };
    expect(await count('action=workspace.update')).toBe(2);
    expect(await count('action=workspace.*')).toBe(2);
    expect(await count('action=workspace')).toBe(0);
    expect(await count('action=recording.*')).toBe(1);
    expect(await count(`actor_id=${viewer.userId}`)).toBe(1);
    expect(await count(`target_id=${alice.userId}`)).toBe(1);
    expect(await count('target_type=workspace')).toBe(2);
    expect(await count('outcome=denied')).toBe(1);
    expect(await count('permission=recording:create')).toBe(1);
    expect(await count('q=RECORDING')).toBe(1);
    expect(await count(`q=${encodeURIComponent("' OR 1=1 --")}`)).toBe(0);
    expect(await count('outcome=success&target_type=workspace&action=workspace.*')).toBe(2);
    const past = new Date(Date.now() - 3600_000).toISOString();
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await count(`from=${past}&to=${future}`)).toBe(4);
    expect(await count(`from=${future}`)).toBe(0);
    expect(await count(`to=${past}`)).toBe(0);
  });

  it('rejects bad filters with 400', async () => {
    for (const query of [
      'outcome=maybe',
      'from=yesterday',
      'action=a%20b',
      'action=*',
      'unknown=1',
      'workspace_id=nope',
      `from=${new Date().toISOString()}&to=${new Date(Date.now() - 1000).toISOString()}`,
    ]) {
      const res = await t.call('GET', `/api/v1/audit-events?${query}`, { token: alice.token });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    }
  });

  it('counts facets under the same filters', async () => {
    const res = await t.call('GET', '/api/v1/audit-events/facets', { token: alice.token });
    expect(res.statusCode).toBe(200);
    const f = res.json();
    expect(Object.keys(f).sort()).toEqual(
      ['action', 'actor_label', 'credential_type', 'outcome', 'permission', 'target_type'].sort(),
    );
    expect(f.action).toEqual(
      expect.arrayContaining([
        { value: 'workspace.update', count: 2 },
        { value: 'member.update', count: 1 },
        { value: 'recording.create', count: 1 },
      ]),
    );
    expect(f.action[0]).toEqual({ value: 'workspace.update', count: 2 });
    expect(f.outcome).toEqual(
      expect.arrayContaining([
        { value: 'success', count: 3 },
        { value: 'denied', count: 1 },
      ]),
    );
    expect(f.credential_type).toEqual(expect.arrayContaining([{ value: 'node', count: 1 }]));
    const filtered = (
      await t.call('GET', '/api/v1/audit-events/facets?outcome=denied', { token: alice.token })
    ).json();
    expect(filtered.action).toEqual([{ value: 'member.update', count: 1 }]);
    expect(filtered.actor_label).toEqual([{ value: viewer.email, count: 1 }]);
  });

  it('shows one event with redacted before/after, and hides other workspaces', async () => {
    const res = await t.call('GET', `/api/v1/audit-events/${injectionId}`, { token: alice.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().before).toEqual({ name: '@SUM(1+1)', password: '[redacted]' });
    expect(res.json().after).toEqual({ name: '-2+3' });

    // Alice is no member of Bob's workspace: his event does not exist for her.
    const other = await t.call('GET', `/api/v1/audit-events/${bobEventId}`, { token: alice.token });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('NOT_FOUND');
    expect(other.body).not.toContain('secret-of-bob');
    const scoped = await t.call(
      'GET',
      `/api/v1/audit-events/${bobEventId}?workspace_id=${alice.workspaceId}`,
      {
        token: alice.token,
      },
    );
    expect(scoped.statusCode).toBe(404);
    const missing = await t.call('GET', `/api/v1/audit-events/aud_01jzzzzzzzzzzzzzzzzzzzzzzz`, {
      token: alice.token,
    });
    expect(missing.statusCode).toBe(404);
    expect((await t.call('GET', '/api/v1/audit-events/not-an-id', { token: alice.token })).statusCode).toBe(
      400,
    );
    // Bob sees his own.
    const own = await t.call('GET', `/api/v1/audit-events/${bobEventId}`, { token: bob.token });
    expect(own.statusCode).toBe(200);
    expect(own.json().before).toEqual({ name: 'secret-of-bob' });
  });

  it('enforces audit:read: 401 anonymous, 403 viewer (audited), 404 other workspace', async () => {
    const anon = await t.call('GET', '/api/v1/audit-events');
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await t.call('GET', '/api/v1/audit-events/export')).statusCode).toBe(401);
    expect((await t.call('GET', `/api/v1/audit-events/${injectionId}`)).statusCode).toBe(401);

    for (const url of [
      `/api/v1/audit-events?workspace_id=${alice.workspaceId}`,
      `/api/v1/audit-events/facets?workspace_id=${alice.workspaceId}`,
      `/api/v1/audit-events/export?workspace_id=${alice.workspaceId}`,
      `/api/v1/audit-events/${injectionId}`,
    ]) {
      const res = await t.call('GET', url, { token: viewer.token });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    const denials = await t.c.auditRepo.list(
      { workspaceId: alice.workspaceId, actorId: viewer.userId, permission: 'audit:read', outcome: 'denied' },
      10,
      0,
    );
    expect(denials.items.map((e) => e.action).sort()).toEqual(
      ['audit.export', 'audit.facets', 'audit.list', 'audit.read'].sort(),
    );

    const foreign = await t.call('GET', `/api/v1/audit-events?workspace_id=${bob.workspaceId}`, {
      token: alice.token,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('lets API keys read only their own workspace, within their scopes', async () => {
    const read = await createKey(t, alice, ['read']);
    const ok = await t.call('GET', '/api/v1/audit-events', { token: read });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items.every((e: { workspace_id: string }) => e.workspace_id === alice.workspaceId)).toBe(
      true,
    );
    expect(
      (await t.call('GET', `/api/v1/audit-events?workspace_id=${bob.workspaceId}`, { token: read }))
        .statusCode,
    ).toBe(404);
    expect((await t.call('GET', `/api/v1/audit-events/${bobEventId}`, { token: read })).statusCode).toBe(404);
  });

  it('exports CSV with a header row, RFC 4180 quoting and formula-injection protection', async () => {
    const res = await t.call('GET', '/api/v1/audit-events/export?format=csv', { token: alice.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="iris-audit-${alice.workspaceId}-\\d{8}T\\d{6}Z\\.csv"$`),
    );
    expect(res.headers['x-export-row-limit']).toBe('100000');
    expect(res.headers['x-export-truncated']).toBe('false');
    const rows = parseCsv(res.body);
    const [header, ...data] = rows;
    expect(header).toEqual([
      'id',
      'occurred_at',
      'workspace_id',
      'action',
      'outcome',
      'permission',
      'actor_type',
      'actor_id',
      'actor_label',
      'credential_type',
      'credential_id',
      'target_type',
      'target_id',
      'reason',
      'ip',
      'user_agent',
      'request_id',
      'before',
      'after',
    ]);
    expect(String(data.length)).toBe(res.headers['x-export-total-rows']);
    expect(data.every((r) => r.length === header!.length)).toBe(true);
    const col = (name: string) => header!.indexOf(name);
    const hostile = data.find((r) => r[col('id')] === injectionId)!;
    expect(hostile[col('user_agent')]).toBe('\'=HYPERLINK("http://evil.example","x")');
    expect(hostile[col('reason')]).toBe("'+cmd|' /C calc'!A0, \"quoted\"\nsecond line");
    expect(JSON.parse(hostile[col('before')]!)).toEqual({ name: '@SUM(1+1)', password: '[redacted]' });
    // No cell in the whole file starts with a formula trigger.
    for (const row of data) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(res.body).not.toContain('hunter2');
  });

  it('quotes every risky cell (unit)', () => {
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-1')).toBe(`"'-1"`);
    expect(csvCell('@x')).toBe(`"'@x"`);
    expect(csvCell('\tx')).toBe(`"'\tx"`);
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('a"b,c')).toBe(`"a""b,c"`);
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('exports JSON as one streamed array and NDJSON as lines, with the same events', async () => {
    const json = await t.call('GET', '/api/v1/audit-events/export?format=json&action=workspace.*', {
      token: alice.token,
    });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers['content-disposition']).toMatch(/\.json"$/);
    const events = json.json();
    expect(Array.isArray(events)).toBe(true);
    expect(events).toHaveLength(2);
    expect(events[0].id).toBe(injectionId);
    expect(events[0].before).toEqual({ name: '@SUM(1+1)', password: '[redacted]' });
    const nd = await t.call('GET', '/api/v1/audit-events/export?format=ndjson&action=workspace.*', {
      token: alice.token,
    });
    expect(nd.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = nd.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(events);
    const empty = await t.call('GET', '/api/v1/audit-events/export?format=json&action=nothing.here', {
      token: alice.token,
    });
    expect(empty.json()).toEqual([]);
  });

  it('exports selected ids with POST, never across workspaces, and audits every export', async () => {
    const before = await t.c.auditRepo.list(
      { workspaceId: alice.workspaceId, action: 'audit.export', outcome: 'success' },
      1,
      0,
    );
    const res = await t.call('POST', '/api/v1/audit-events/export', {
      token: alice.token,
      body: { format: 'json', ids: [injectionId, bobEventId, injectionId] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((e: { id: string }) => e.id)).toEqual([injectionId]);
    expect(res.headers['x-export-total-rows']).toBe('1');

    const after = await t.c.auditRepo.list(
      { workspaceId: alice.workspaceId, action: 'audit.export', outcome: 'success' },
      1,
      0,
    );
    expect(after.total).toBe(before.total + 1);
    expect(after.items[0]).toMatchObject({
      actor: { id: alice.userId },
      permission: 'audit:read',
      after: { format: 'json', selected_ids: 3, rows: 1, truncated: false },
    });

    const tooMany = await t.call('POST', '/api/v1/audit-events/export', {
      token: alice.token,
      body: { format: 'csv', ids: Array.from({ length: 1001 }, () => newId('aud')) },
    });
    expect(tooMany.statusCode).toBe(400);
    const badFormat = await t.call('POST', '/api/v1/audit-events/export', {
      token: alice.token,
      body: { format: 'xlsx' },
    });
    expect(badFormat.statusCode).toBe(400);
    const unknownField = await t.call('POST', '/api/v1/audit-events/export', {
      token: alice.token,
      body: { format: 'csv', sql: 'drop table audit_events' },
    });
    expect(unknownField.statusCode).toBe(400);
  });

  it('streams large exports page by page and caps them at the row limit', async () => {
    const big = await seedUser(t);
    const n = 1234;
    const base = Date.now() - 10 * 60_000;
    const rows = Array.from({ length: n }, (_, i) => ({
      id: newId('aud'),
      workspace_id: big.workspaceId,
      occurred_at: new Date(base + Math.floor(i / 3) * 1000).toISOString(),
      actor_type: 'user',
      actor_id: big.userId,
      actor_label: big.email,
      credential_type: 'session',
      credential_id: null,
      permission: null,
      action: `bulk.event${i % 7}`,
      outcome: 'success',
      target_type: 'thing',
      target_id: `t${i}`,
      before: null,
      after: { i },
      reason: null,
      ip: null,
      user_agent: null,
      request_id: null,
    }));
    for (const row of rows) await t.c.auditRepo.insert(row);

    const res = await t.call('GET', '/api/v1/audit-events/export?format=ndjson', { token: big.token });
    const out = res.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; occurred_at: string });
    expect(out).toHaveLength(n);
    expect(new Set(out.map((e) => e.id)).size).toBe(n);
    const keys = out.map((e) => `${e.occurred_at}|${e.id}`);
    expect([...keys].sort().reverse()).toEqual(keys);

    // The body arrives as a stream of bounded chunks, not one string built in memory.
    const streamed = await t.c.auditQuery.export(principalOf(big), { format: 'ndjson' });
    const sizes: number[] = [];
    for await (const chunk of streamed.body) sizes.push(Buffer.byteLength(chunk as Buffer));
    expect(sizes.length).toBeGreaterThan(2);
    expect(Math.max(...sizes)).toBeLessThan(70 * 1024);

    // Over a real socket: chunked transfer, and a client that hangs up mid-download
    // leaves the server healthy.
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const auth = { authorization: `Bearer ${big.token}` };
    const full = await fetch(`${address}/api/v1/audit-events/export?format=csv`, { headers: auth });
    expect(full.headers.get('transfer-encoding')).toBe('chunked');
    expect(parseCsv(await full.text()).length).toBeGreaterThan(n);
    // node:http so the hang-up is a real socket close, not a client-side buffer.
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${address}/api/v1/audit-events/export?format=json`, { headers: auth }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) =>
        (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err),
      );
    });
    const after = await fetch(`${address}/api/v1/audit-events?limit=1`, { headers: auth });
    expect(after.status).toBe(200);

    // The cap, at the service level with a small limit.
    const capped = new AuditQueryService({
      repo: t.c.auditRepo,
      access: t.c.access,
      audit: t.c.audit,
      exportRowLimit: 100,
    });
    const file = await capped.export(principalOf(big), { format: 'csv' });
    // The four exports above are on record now; no export contained its own record.
    expect(file.total).toBe(n + 4);
    expect(file.truncated).toBe(true);
    let text = '';
    for await (const chunk of file.body) text += String(chunk);
    expect(parseCsv(text)).toHaveLength(101);
  });
});
