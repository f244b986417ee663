import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** Writes raw bytes to the server and reads until it closes the connection. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('requests the HTTP parser rejects', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => t?.close());

  it('answers broken framing with the JSON error envelope and a 400', async () => {
    const res = await raw(port, 'GET /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)) as {
      error: { code: string; message: string; request_id: string };
    };
    expect(body.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'Malformed HTTP request.' });
    expect(body.error.request_id).toMatch(/^req_/);
  });

  it('answers oversized headers with 431', async () => {
    const res = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431 /);
    expect(res).toContain('"code":"INVALID_REQUEST"');
  });

  it('keeps serving well-formed requests afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
