import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { pinnedLookup, vetTarget, type TargetPolicy } from '../../webhooks/webhook-targets.js';

/**
 * The fetch the MCP client uses for plugins: the host is vetted (no internal addresses
 * unless allowed) and the connection goes to the very address that was vetted, so a DNS
 * answer that changes between the check and the connection (rebinding) cannot point it
 * inside. Node's own fetch cannot be given a lookup without undici's dispatcher, so this
 * speaks HTTP with node:http(s) and hands the body on as a stream (MCP answers may be SSE).
 */
export function pinnedFetch(policy: TargetPolicy): FetchLike {
  return async (input, init = {}) => {
    const url = new URL(String(input));
    const target = await vetTarget(url, policy);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError('plugin requests carry string bodies');
    }
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          lookup: pinnedLookup(target),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined)
              responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const empty = status === 204 || status === 304 || init.method === 'HEAD';
          if (empty) res.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              headers: responseHeaders,
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(body ?? undefined);
    });
  };
}
