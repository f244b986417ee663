import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/platform/ids.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

interface Received {
  from: string | false;
  to: string[];
  raw: string;
}

/** A real SMTP server in this process, on a random local port. */
async function startSmtp(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const email = () => `smtp-${newId('x').slice(-10)}@example.com`;

/** Quoted-printable soft line breaks split long links; undo them before reading the token. */
const unfold = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

describe.each(DIALECTS)('mail over SMTP on %s', (dialect) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let t: TestApp;
  let broken: TestApp;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await createTestApp(dialect, {
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      mailFrom: 'Iris <iris@test.local>',
    });
    broken = await createTestApp(dialect, {
      smtpUrl: `smtp://127.0.0.1:${await closedPort()}?connectionTimeout=2000`,
    });
  });
  afterAll(async () => {
    await t?.close();
    await broken?.close();
    await smtp?.close();
  });

  it('delivers the verification mail to the SMTP server and marks it sent', async () => {
    const to = email();
    const res = await t.call('POST', '/api/v1/auth/signup', {
      body: { email: to, password: 'smtp password 1' },
    });
    expect(res.statusCode).toBe(201);
    // Mail goes out after the response; wait for it rather than for a timer.
    await t.c.accountEmails.idle();

    const delivered = smtp.received.filter((m) => m.to.includes(to));
    expect(delivered).toHaveLength(1);
    const mail = delivered[0]!;
    expect(mail.from).toBe('iris@test.local');
    expect(mail.raw).toMatch(/^Subject: Confirm your email address for Iris/m);
    expect(mail.raw).toMatch(new RegExp(`^To: ${to}`, 'm'));

    const row = await t.c.database.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', to)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', transport: 'smtp', purpose: 'verify_email', error: null });
    expect(row.sent_at).toBeTruthy();

    // The token that travelled over SMTP is the one that verifies the account.
    const token = /verify-email\?token=([\w-]+)/.exec(unfold(mail.raw))![1]!;
    const verified = await t.call('POST', '/api/v1/auth/verify-email', { body: { token } });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().user.email_verified).toBe(true);
  });

  it('keeps the mail as failed when SMTP is unreachable, and sign-up still succeeds', async () => {
    const to = email();
    const res = await broken.call('POST', '/api/v1/auth/signup', {
      body: { email: to, password: 'smtp password 2' },
    });
    expect(res.statusCode).toBe(201);
    await broken.c.accountEmails.idle();
    const row = await broken.c.database.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', to)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', transport: 'smtp', sent_at: null });
    expect(row.error).toBeTruthy();
    // Nothing is lost: the instance admin (the first account) reads it from the outbox.
    const list = await broken.call('GET', '/api/v1/admin/outbox', { token: res.json().token });
    expect(list.statusCode).toBe(200);
    expect(list.json().items[0]).toMatchObject({ to, status: 'failed' });
    expect(list.json().items[0].text_body).toContain('verify-email?token=');
  });
});
