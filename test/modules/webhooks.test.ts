import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/modules/webhooks/webhook-delivery.js';
import { SecretBox } from '../../src/modules/webhooks/webhook-secrets.js';
import { WebhookSender } from '../../src/modules/webhooks/webhook-sender.js';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { mediaFiles, uploaded, type MediaFiles } from './recordings.helpers.js';

/** What the receiver saw of one request. */
interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/**
 * A real webhook receiver on 127.0.0.1: records every request, answers what `respond`
 * says for its path (204 by default). Signatures are checked by the tests with the
 * standardwebhooks library, as a receiver would.
 */
interface Receiver {
  base: string;
  requests: Received[];
  on(
    path: string,
    respond: (
      r: Received,
      n: number,
    ) => { status: number; body?: string; headers?: Record<string, string> } | 'hang',
  ): void;
  at(path: string): Received[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const handlers = new Map<string, Parameters<Receiver['on']>[1]>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        path: req.url ?? '/',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(r);
      const n = requests.filter((x) => x.path === r.path).length;
      const answer = handlers.get(r.path)?.(r, n) ?? { status: 204 };
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    on: (path, respond) => void handlers.set(path, respond),
    at: (path) => requests.filter((r) => r.path === path),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `fn` gives something truthy (generous limit: the machine may be busy). */
async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, r.headers) as {
    type: string;
    timestamp: string;
    data: Record<string, unknown>;
  };

interface HookJson {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  failure_count: number;
  previous_secret_expires_at: string | null;
  secret?: string;
}

interface DeliveryJson {
  id: string;
  webhook_id: string;
  message_id: string;
  event_type: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  attempts: number;
  status: 'pending' | 'succeeded' | 'failed';
  last_response_status: number | null;
  last_response_body: string | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
}

/** The default policy with retries in milliseconds instead of minutes. */
const FAST = { ...DEFAULT_POLICY, retryDelaysMs: [100, 200] };

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  let t: TestApp;
  let rx: Receiver;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let m: MediaFiles;
  let paths = 0;

  /** A fresh receiver path, so each test looks only at its own requests. */
  const path = () => `/hooks/${dialect}/${++paths}`;

  const create = async (body: Record<string, unknown>, token = owner.token) => {
    const res = await t.call('POST', '/api/v1/webhooks', { token, body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as HookJson & { secret: string };
  };
  const deliveries = async (hookId: string, query = '', token = owner.token) => {
    const res = await t.call('GET', `/api/v1/webhooks/${hookId}/deliveries${query}`, { token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: DeliveryJson[]; pagination: { total: number; limit: number } };
  };
  const settled = (hookId: string, count = 1) =>
    until(`${count} settled deliveries of ${hookId}`, async () => {
      const { items } = await deliveries(hookId);
      return items.length >= count && items.every((d) => d.status !== 'pending') ? items : undefined;
    });
  const getHook = async (id: string, token = owner.token) => {
    const res = await t.call('GET', `/api/v1/webhooks/${id}`, { token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as HookJson;
  };

  beforeAll(async () => {
    m = await mediaFiles();
    t = await createTestApp(dialect, { webhooksAllowPrivate: true });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    t.c.webhooks.setPolicy(FAST);
    // Only deliveries run: uploaded recordings stay queued, their stages are set by hand.
    await t.c.queue.start({ names: ['webhook.deliver'] });
    rx = await startReceiver();
    owner = await seedUser(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });
  afterEach(() => t.c.webhooks.setPolicy(FAST));

  it('creates a webhook whose secret is shown once and never again', async () => {
    const url = `${rx.base}${path()}`;
    const hook = await create({ url, events: ['recording.ready'], description: ' CI ' });
    expect(hook).toMatchObject({
      workspace_id: owner.workspaceId,
      url,
      events: ['recording.ready'],
      description: 'CI',
      enabled: true,
      disabled_reason: null,
      failure_count: 0,
      previous_secret_expires_at: null,
    });
    expect(hook.id).toMatch(/^whk_[0-9a-z]{26}$/);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(hook.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);

    const read = await t.call('GET', `/api/v1/webhooks/${hook.id}`, { token: owner.token });
    expect(read.json()).not.toHaveProperty('secret');
    expect(read.body).not.toContain(hook.secret.slice(6));
    const list = await t.call('GET', '/api/v1/webhooks', { token: owner.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((w: HookJson) => w.id)).toContain(hook.id);
    expect(list.body).not.toContain(hook.secret.slice(6));
    expect(list.json().pagination).toMatchObject({ limit: 50, offset: 0 });

    // At rest: encrypted under the instance secret, bound to the row.
    const row = await t.c.database.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_encrypted).not.toContain(hook.secret.slice(6));
    const box = new SecretBox(t.c.config.secret);
    expect(box.open(row.secret_encrypted, hook.id)).toBe(hook.secret);
    expect(() => box.open(row.secret_encrypted, newId('whk'))).toThrow();
    expect(() =>
      new SecretBox('another-secret-another-secret-another').open(row.secret_encrypted, hook.id),
    ).toThrow();

    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', hook.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['webhook.create']);
    expect(JSON.stringify(audit)).not.toContain(hook.secret.slice(6));
  });

  it('delivers a published event with a valid Standard Webhooks signature, only to subscribers', async () => {
    const p = path();
    const hook = await create({ url: `${rx.base}${p}`, events: ['recording.ready'] });
    const other = await seedUser(t);
    await t.c.events.publish(owner.workspaceId, 'recording.deleted', { id: 'rec_x' }); // not subscribed
    await t.c.events.publish(other.workspaceId, 'recording.ready', { id: 'rec_x' }); // other workspace
    expect((await deliveries(hook.id)).items).toHaveLength(0);

    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_1', title: 'Demo' });
    const [got] = await until('the delivery', () => (rx.at(p).length ? rx.at(p) : undefined));
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['webhook-id']).toMatch(/^evt_/);
    expect(got!.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const message = verify(hook.secret, got!);
    expect(message).toMatchObject({ type: 'recording.ready', data: { id: 'rec_1', title: 'Demo' } });
    expect(Number.isNaN(Date.parse(message.timestamp))).toBe(false);
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, got!)).toThrow();
    expect(() => verify(hook.secret, { ...got!, body: got!.body.replace('Demo', 'Demo!') })).toThrow();

    const [d] = await settled(hook.id);
    expect(d).toMatchObject({
      webhook_id: hook.id,
      message_id: got!.headers['webhook-id'],
      event_type: 'recording.ready',
      payload: message,
      attempts: 1,
      status: 'succeeded',
      last_response_status: 204,
      last_error: null,
      next_attempt_at: null,
    });
    expect(d!.delivered_at).not.toBeNull();
  });

  it('publishes recording.ready / .failed from the pipeline and recording.deleted from DELETE /recordings/:id', async () => {
    const p = path();
    const hook = await create({
      url: `${rx.base}${p}`,
      events: ['recording.ready', 'recording.failed', 'recording.deleted'],
    });
    const audio = () => ({ data: m.audio, filename: 'memo.m4a', type: 'audio/mp4' });
    const ready = await uploaded(t, owner.token, audio(), [['title', 'Weekly sync']]);
    const failed = await uploaded(t, owner.token, audio(), [['title', 'Broken one']]);
    const { repo, pipeline } = t.c.recordings;
    for (const s of await repo.stages(ready.id)) await repo.updateStage(ready.id, s.stage, { state: 'done' });
    await pipeline.recompute(ready.id);
    for (const s of await repo.stages(failed.id))
      await repo.updateStage(
        failed.id,
        s.stage,
        s.stage === 'media' ? { state: 'failed', error: 'bad file' } : { state: 'done' },
      );
    await pipeline.recompute(failed.id);

    const del = await t.call('DELETE', `/api/v1/recordings/${ready.id}`, { token: owner.token });
    expect(del.statusCode, del.body).toBe(204);

    const got = await until('three events', () => (rx.at(p).length >= 3 ? rx.at(p) : undefined));
    const messages = got.map((r) => verify(hook.secret, r));
    const byType = Object.fromEntries(messages.map((msg) => [msg.type, msg.data]));
    expect(byType['recording.ready']).toMatchObject({
      id: ready.id,
      workspace_id: owner.workspaceId,
      title: 'Weekly sync',
      source: 'upload',
      status: 'ready',
    });
    expect(byType['recording.failed']).toMatchObject({
      id: failed.id,
      title: 'Broken one',
      status: 'failed',
      error: expect.stringContaining('bad file'),
    });
    expect(byType['recording.deleted']).toMatchObject({
      id: ready.id,
      workspace_id: owner.workspaceId,
      title: 'Weekly sync',
      source: 'upload',
    });
    // Nothing internal travels: no storage keys, no uploader bookkeeping.
    for (const r of got) expect(r.body).not.toMatch(/original_key|playback_key|stored_bytes|upload_method/);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(3);
  }, 60_000);

  it('retries a failing receiver with growing delays, then succeeds', async () => {
    t.c.webhooks.setPolicy({ retryDelaysMs: [300, 900], retryJitter: 0 });
    const p = path();
    rx.on(p, (_r, n) => (n <= 2 ? { status: 500, body: 'database is down' } : { status: 200, body: 'ok' }));
    const hook = await create({ url: `${rx.base}${p}`, events: ['*'] });
    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_2' });

    const [d] = await settled(hook.id);
    expect(d).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      last_response_status: 200,
      last_error: null,
    });
    expect(d!.last_response_body).toBe('ok');
    const got = rx.at(p);
    expect(got).toHaveLength(3);
    // The same message every time (receivers deduplicate on webhook-id), each attempt signed.
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) verify(hook.secret, r);
    // Never earlier than the schedule says.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(300);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(900);
    expect((await getHook(hook.id)).failure_count).toBe(0);
  }, 60_000);

  it('records a delivery that failed for good, lists the log with paging and filters, and redelivers', async () => {
    t.c.webhooks.setPolicy({ retryDelaysMs: [50], retryJitter: 0 });
    const p = path();
    let down = true;
    rx.on(p, () => (down ? { status: 503, body: 'x'.repeat(5000) } : { status: 202 }));
    const hook = await create({ url: `${rx.base}${p}`, events: ['recording.deleted'] });
    await t.c.events.publish(owner.workspaceId, 'recording.deleted', { id: 'rec_a' });
    const [failed] = await settled(hook.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 2,
      last_response_status: 503,
      next_attempt_at: null,
    });
    expect(failed!.last_error).toContain('503');
    expect(failed!.last_response_body!.length).toBeLessThanOrEqual(300);
    expect((await getHook(hook.id)).failure_count).toBe(1);

    down = false;
    await t.c.events.publish(owner.workspaceId, 'recording.deleted', { id: 'rec_b' });
    await t.c.events.publish(owner.workspaceId, 'recording.deleted', { id: 'rec_c' });
    await settled(hook.id, 3);
    expect((await getHook(hook.id)).failure_count).toBe(0); // a success ends the run of failures

    const page = await deliveries(hook.id, '?limit=2');
    expect(page.items).toHaveLength(2);
    expect(page.pagination).toMatchObject({ total: 3, limit: 2 });
    expect((await deliveries(hook.id, '?limit=2&offset=2')).items.map((d) => d.id)).toEqual([failed!.id]);
    expect((await deliveries(hook.id, '?status=failed')).items.map((d) => d.id)).toEqual([failed!.id]);
    expect((await deliveries(hook.id, '?status=succeeded')).pagination.total).toBe(2);
    const one = await t.call('GET', `/api/v1/webhooks/${hook.id}/deliveries/${failed!.id}`, {
      token: owner.token,
    });
    expect(one.json()).toMatchObject({ id: failed!.id, status: 'failed' });

    const before = rx.at(p).length;
    const res = await t.call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${failed!.id}/redeliver`, {
      token: owner.token,
    });
    expect(res.statusCode, res.body).toBe(202);
    const again = res.json() as DeliveryJson;
    expect(again.id).not.toBe(failed!.id);
    expect(again).toMatchObject({ message_id: failed!.message_id, payload: failed!.payload, attempts: 0 });
    const resent = await until('the redelivery', () => rx.at(p)[before]);
    expect(resent.headers['webhook-id']).toBe(failed!.message_id);
    expect(verify(hook.secret, resent).data).toEqual({ id: 'rec_a' });
    await until('the redelivery to succeed', async () => {
      const d = (await deliveries(hook.id)).items.find((x) => x.id === again.id);
      return d?.status === 'succeeded';
    });
    expect((await deliveries(hook.id)).pagination.total).toBe(4);

    // Another webhook's delivery is not this webhook's.
    const second = await create({ url: `${rx.base}${path()}`, events: ['*'] });
    const wrong = await t.call('POST', `/api/v1/webhooks/${second.id}/deliveries/${failed!.id}/redeliver`, {
      token: owner.token,
    });
    expect(wrong.statusCode).toBe(404);
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', hook.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('webhook.redeliver');
  }, 60_000);

  it('sends webhook.test on demand, whatever the webhook subscribes to', async () => {
    const p = path();
    const hook = await create({ url: `${rx.base}${p}`, events: ['recording.failed'] });
    const res = await t.call('POST', `/api/v1/webhooks/${hook.id}/test`, { token: owner.token });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ event_type: 'webhook.test', status: 'pending', webhook_id: hook.id });
    const got = await until('the test event', () => rx.at(p)[0]);
    expect(verify(hook.secret, got)).toMatchObject({ type: 'webhook.test', data: { webhook_id: hook.id } });
  });

  it('rotates the secret: both sign during the overlap, then only the new one', async () => {
    const p = path();
    const hook = await create({ url: `${rx.base}${p}`, events: ['recording.ready'] });
    const res = await t.call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: owner.token });
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json() as HookJson & { secret: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    const overlapEnds = Date.parse(rotated.previous_secret_expires_at!);
    expect(overlapEnds - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(overlapEnds - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(await getHook(hook.id)).not.toHaveProperty('secret');

    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_r1' });
    const during = await until('a delivery during the overlap', () => rx.at(p)[0]);
    const signatures = during.headers['webhook-signature']!.split(' ');
    expect(signatures).toHaveLength(2);
    for (const s of signatures) expect(s).toMatch(/^v1,/);
    // A receiver still on the old secret and one already on the new both accept it.
    expect(verify(hook.secret, during).data).toEqual({ id: 'rec_r1' });
    expect(verify(rotated.secret, during).data).toEqual({ id: 'rec_r1' });

    // Once the overlap is over, only the new secret signs.
    await t.c.database.db
      .updateTable('webhooks')
      .set({ previous_secret_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', hook.id)
      .execute();
    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_r2' });
    const after = await until('a delivery after the overlap', () => rx.at(p)[1]);
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(rotated.secret, after).data).toEqual({ id: 'rec_r2' });
    expect(() => verify(hook.secret, after)).toThrow();

    // Without an overlap the old secret stops at once.
    t.c.webhooks.setPolicy({ rotationOverlapMs: 0 });
    const third = (
      await t.call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: owner.token })
    ).json() as HookJson & { secret: string };
    expect(third.previous_secret_expires_at).toBeNull();
    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_r3' });
    const last = await until('a delivery after the second rotation', () => rx.at(p)[2]);
    expect(verify(third.secret, last).data).toEqual({ id: 'rec_r3' });
    expect(() => verify(rotated.secret, last)).toThrow();

    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', hook.id)
      .where('action', '=', 'webhook.rotate_secret')
      .execute();
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(third.secret.slice(6));
  }, 60_000);

  it('disables a webhook after consecutive failed deliveries or days of failing; re-enabling resets it', async () => {
    t.c.webhooks.setPolicy({ retryDelaysMs: [], disableAfterFailures: 3 });
    const p = path();
    rx.on(p, () => ({ status: 500 }));
    const hook = await create({ url: `${rx.base}${p}`, events: ['recording.ready'] });
    for (let i = 1; i <= 3; i++) {
      await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: `rec_f${i}` });
      await settled(hook.id, i);
    }
    const off = await getHook(hook.id);
    expect(off).toMatchObject({ enabled: false, failure_count: 3 });
    expect(off.disabled_reason).toMatch(/3 consecutive failed deliveries/);
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', hook.id)
      .where('action', '=', 'webhook.disable')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_type).toBe('system');

    // Disabled: nothing more is queued or sent, and test/redeliver say why.
    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_f4' });
    expect((await deliveries(hook.id)).pagination.total).toBe(3);
    const test = await t.call('POST', `/api/v1/webhooks/${hook.id}/test`, { token: owner.token });
    expect(test.statusCode).toBe(409);
    expect(test.json().error.code).toBe('CONFLICT');

    const on = await t.call('PATCH', `/api/v1/webhooks/${hook.id}`, {
      token: owner.token,
      body: { enabled: true },
    });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ enabled: true, failure_count: 0, disabled_reason: null });

    // Failing without a success for longer than the limit also turns it off.
    t.c.webhooks.setPolicy({ disableAfterFailures: 15 });
    await t.c.database.db
      .updateTable('webhooks')
      .set({ failing_since: new Date(Date.now() - 6 * 24 * 3600_000).toISOString() })
      .where('id', '=', hook.id)
      .execute();
    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_f5' });
    await settled(hook.id, 4);
    const offAgain = await getHook(hook.id);
    expect(offAgain).toMatchObject({ enabled: false, failure_count: 1 });
    expect(offAgain.disabled_reason).toMatch(/failed for 6 days/);

    // Switched off by hand: pending deliveries are not sent.
    await t.call('PATCH', `/api/v1/webhooks/${hook.id}`, { token: owner.token, body: { enabled: true } });
    const manual = await t.call('PATCH', `/api/v1/webhooks/${hook.id}`, {
      token: owner.token,
      body: { enabled: false },
    });
    expect(manual.json()).toMatchObject({ enabled: false, disabled_reason: 'Disabled manually.' });
  }, 60_000);

  it('refuses bad URLs and unknown event names with 400, naming the field', async () => {
    const url = `${rx.base}${path()}`;
    const bad = async (body: Record<string, unknown>, field?: string) => {
      const res = await t.call('POST', '/api/v1/webhooks', { token: owner.token, body });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
      if (field) {
        expect(res.json().error.details.field).toBe(field);
        expect(res.json().error.message).toMatch(new RegExp(`^${field}: `));
      }
      return res.json().error;
    };
    await bad({ url: 'not a url at all', events: ['*'] }, 'url');
    await bad({ url: 'ftp://example.com/hook', events: ['*'] }, 'url');
    await bad({ url: 'javascript:alert(1)', events: ['*'] }, 'url');
    await bad({ url: 'https://no-such-host.invalid/hook', events: ['*'] }, 'url');
    const unknown = await bad({ url, events: ['recording.ready', 'recording.exploded'] }, 'events');
    expect(unknown.details.unknown).toEqual(['recording.exploded']);
    await bad({ url, events: [] });
    await bad({ url, events: ['recording.ready', 'recording.ready'] });
    await bad({ url, events: ['*'], secret: 'whsec_mine' });
    await bad({ events: ['*'] });

    const hook = await create({ url, events: ['*'] });
    const patch = await t.call('PATCH', `/api/v1/webhooks/${hook.id}`, {
      token: owner.token,
      body: { events: ['nope'] },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.details.field).toBe('events');

    const types = await t.call('GET', '/api/v1/webhooks/event-types', { token: owner.token });
    expect(types.statusCode).toBe(200);
    const names = types.json().items.map((e: { name: string }) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['recording.ready', 'recording.failed', 'recording.deleted', 'webhook.test']),
    );
    expect((await t.call('GET', '/api/v1/webhooks/event-types')).statusCode).toBe(401);
  });

  it('needs webhook:manage to change anything, and hides other workspaces’ webhooks', async () => {
    const hook = await create({ url: `${rx.base}${path()}`, events: ['*'] });
    const keyRes = await t.call('POST', '/api/v1/keys', {
      token: owner.token,
      body: { name: 'ro', scopes: ['read'] },
    });
    expect(keyRes.statusCode, keyRes.body).toBe(201);
    const readKey = keyRes.json().key.plaintext as string;

    const listed = await t.call('GET', '/api/v1/webhooks', { token: readKey });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items.map((w: HookJson) => w.id)).toContain(hook.id);
    expect(
      (await t.call('GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token: readKey })).statusCode,
    ).toBe(200);
    const denied = [
      await t.call('POST', '/api/v1/webhooks', {
        token: readKey,
        body: { url: `${rx.base}/x`, events: ['*'] },
      }),
      await t.call('PATCH', `/api/v1/webhooks/${hook.id}`, { token: readKey, body: { description: 'x' } }),
      await t.call('DELETE', `/api/v1/webhooks/${hook.id}`, { token: readKey }),
      await t.call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: readKey }),
      await t.call('POST', `/api/v1/webhooks/${hook.id}/test`, { token: readKey }),
    ];
    for (const res of denied) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect(await getHook(hook.id)).toMatchObject({ description: '' });

    const stranger = await seedUser(t);
    for (const [method, url] of [
      ['GET', `/api/v1/webhooks/${hook.id}`],
      ['PATCH', `/api/v1/webhooks/${hook.id}`],
      ['DELETE', `/api/v1/webhooks/${hook.id}`],
      ['POST', `/api/v1/webhooks/${hook.id}/rotate-secret`],
      ['GET', `/api/v1/webhooks/${hook.id}/deliveries`],
    ] as const) {
      const res = await t.call(method, url, {
        token: stranger.token,
        ...(method === 'PATCH' ? { body: { description: 'mine now' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    const theirs = await t.call('GET', '/api/v1/webhooks', { token: stranger.token });
    expect(theirs.json().items).toEqual([]);
    const into = await t.call('POST', '/api/v1/webhooks', {
      token: stranger.token,
      body: { url: `${rx.base}/x`, events: ['*'], workspace_id: owner.workspaceId },
    });
    expect(into.statusCode).toBe(404);
  });

  it('updates and deletes a webhook with its delivery log, audited', async () => {
    const hook = await create({ url: `${rx.base}${path()}`, events: ['recording.ready'] });
    const newUrl = `${rx.base}${path()}?token=abc123`;
    const res = await t.call('PATCH', `/api/v1/webhooks/${hook.id}`, {
      token: owner.token,
      body: { url: newUrl, events: ['recording.ready', 'recording.deleted'], description: 'renamed' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      url: newUrl,
      events: ['recording.ready', 'recording.deleted'],
      description: 'renamed',
    });
    await t.c.events.publish(owner.workspaceId, 'recording.deleted', { id: 'rec_d' });
    await settled(hook.id);

    const del = await t.call('DELETE', `/api/v1/webhooks/${hook.id}`, { token: owner.token });
    expect(del.statusCode).toBe(204);
    expect((await t.call('GET', `/api/v1/webhooks/${hook.id}`, { token: owner.token })).statusCode).toBe(404);
    const left = await t.c.database.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('webhook_id', '=', hook.id)
      .execute();
    expect(left).toEqual([]);
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', hook.id)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.update', 'webhook.delete']);
    // The receiver's token in the query string stays out of the audit trail.
    expect(JSON.stringify(audit)).not.toContain('abc123');
  });
});

describe.each(DIALECTS)('webhook targets without IRIS_WEBHOOKS_ALLOW_PRIVATE on %s', (dialect) => {
  let t: TestApp;
  let rx: Receiver;
  let owner: Awaited<ReturnType<typeof seedUser>>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    t.c.webhooks.setPolicy({ retryDelaysMs: [] });
    await t.c.queue.start({ names: ['webhook.deliver'] });
    rx = await startReceiver();
    owner = await seedUser(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });

  it('refuses loopback, private, link-local and other internal targets at create time', async () => {
    expect(t.c.config.webhooksAllowPrivate).toBe(false);
    for (const url of [
      `${rx.base}/hook`,
      'http://127.0.0.1/hook',
      'http://10.0.0.1/hook',
      'http://172.16.0.1/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/hook',
      'http://0.0.0.0/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[fd00::1]/hook',
      'http://[fe80::1]/hook',
      'http://224.0.0.1/hook',
      'http://2130706433/hook',
    ]) {
      const res = await t.call('POST', '/api/v1/webhooks', {
        token: owner.token,
        body: { url, events: ['*'] },
      });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'url' } });
      expect(res.json().error.message).toMatch(/^url: .*not a public address/);
    }
    expect(await t.c.database.db.selectFrom('webhooks').select('id').execute()).toEqual([]);
  });

  it('checks again at delivery time and never connects to a refused address', async () => {
    // A webhook that got an internal URL by other means (the setting was on, DNS changed).
    const id = newId('whk');
    const box = new SecretBox(t.c.config.secret);
    const now = codec.now();
    await t.c.database.db
      .insertInto('webhooks')
      .values({
        id,
        workspace_id: owner.workspaceId,
        url: `${rx.base}/internal`,
        events: codec.json(['*']),
        description: '',
        enabled: codec.bool(true),
        secret_encrypted: box.seal(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, id),
        created_at: now,
        updated_at: now,
      })
      .execute();
    await t.c.events.publish(owner.workspaceId, 'recording.ready', { id: 'rec_x' });
    const d = await until('the refused delivery', async () => {
      const res = await t.call('GET', `/api/v1/webhooks/${id}/deliveries`, { token: owner.token });
      const item = res.json().items[0] as DeliveryJson | undefined;
      return item && item.status !== 'pending' ? item : undefined;
    });
    expect(d.status).toBe('failed');
    expect(d.last_error).toMatch(/127\.0\.0\.1 is not a public address \(loopback\)/);
    expect(d.last_response_status).toBeNull();
    expect(rx.requests).toHaveLength(0);

    const patch = await t.call('PATCH', `/api/v1/webhooks/${id}`, {
      token: owner.token,
      body: { url: 'http://169.254.169.254/latest/meta-data/' },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.details.field).toBe('url');
  });
});

describe('webhook sender', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => rx?.close());
  const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
  const base = {
    messageId: 'evt_1',
    timestamp: new Date(),
    body: '{"type":"x","timestamp":"t","data":{}}',
    secrets: [secret],
  };

  it('connects to the address it checked, not to a fresh DNS answer', async () => {
    const port = new URL(rx.base).port;
    let lookups = 0;
    const sender = new WebhookSender({
      allowPrivate: true,
      resolve: async () => {
        lookups++;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    // The name exists nowhere: only the vetted address can have been used.
    const res = await sender.send({ ...base, url: `http://rebind.invalid:${port}/pinned` });
    expect(res).toMatchObject({ ok: true, status: 204, error: null });
    expect(lookups).toBe(1);
    expect(rx.at('/pinned')[0]!.headers.host).toBe(`rebind.invalid:${port}`);
  });

  it('refuses a host when any of its addresses is internal', async () => {
    const sender = new WebhookSender({
      allowPrivate: false,
      resolve: async () => [
        { address: '203.0.113.10', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });
    const res = await sender.send({ ...base, url: 'https://mixed.invalid/hook' });
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(
      /"mixed\.invalid" resolves to 10\.1\.2\.3, which is not a public address \(private\)/,
    );
  });

  it('does not follow redirects, keeps only the start of the answer, and gives up after the timeout', async () => {
    const sender = new WebhookSender({ allowPrivate: true, timeoutMs: 500 });
    rx.on('/redirect', () => ({ status: 302, headers: { location: `${rx.base}/elsewhere` } }));
    const redirected = await sender.send({ ...base, url: `${rx.base}/redirect` });
    expect(redirected).toMatchObject({ ok: false, status: 302 });
    expect(redirected.error).toMatch(/redirects are not followed/);
    expect(rx.at('/elsewhere')).toHaveLength(0);

    rx.on('/big', () => ({ status: 200, body: 'y'.repeat(100_000) }));
    const big = await sender.send({ ...base, url: `${rx.base}/big` });
    expect(big.ok).toBe(true);
    expect(big.body).toBe('y'.repeat(300));

    rx.on('/hang', () => 'hang');
    const hung = await sender.send({ ...base, url: `${rx.base}/hang` });
    expect(hung).toMatchObject({ ok: false, status: null });
    expect(hung.error).toMatch(/did not answer within/);

    const refused = await new WebhookSender({ allowPrivate: true }).send({
      ...base,
      url: 'http://127.0.0.1:1/closed',
    });
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/ECONNREFUSED/);
  });
});
