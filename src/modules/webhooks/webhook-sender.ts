import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { VERSION } from '../../version.js';
import { pinnedLookup, TargetRefused, vetTarget, type Resolver } from './webhook-targets.js';

export interface SenderOptions {
  /** IRIS_WEBHOOKS_ALLOW_PRIVATE: internal addresses allowed as targets. */
  allowPrivate: boolean;
  /** Whole attempt, connect to last byte read. Default 10 s. */
  timeoutMs?: number;
  /** How much of the receiver's answer is kept (for the delivery log). Default 300 characters. */
  maxResponseChars?: number;
  /** DNS for the target check (tests); default node:dns lookup. */
  resolve?: Resolver;
}

export interface SendRequest {
  url: string;
  /** `webhook-id`: the same on every attempt of one message. */
  messageId: string;
  /** `webhook-timestamp`: this attempt's time. */
  timestamp: Date;
  /** The exact JSON body; it is what gets signed. */
  body: string;
  /** `whsec_…` secrets to sign with: the current one, and the previous during a rotation's overlap. */
  secrets: readonly string[];
  signal?: AbortSignal;
}

export interface SendResult {
  ok: boolean;
  /** The receiver's HTTP status; null when there was no answer. */
  status: number | null;
  /** The start of the receiver's answer (at most maxResponseChars). */
  body: string | null;
  /** Why the attempt failed (short, safe to show); null on success. */
  error: string | null;
}

const USER_AGENT = `Iris-Webhooks/${VERSION}`;

/**
 * Signs and POSTs one attempt of a webhook message, per Standard Webhooks: `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` per
 * secret, space-separated) over `<id>.<timestamp>.<body>`. The target is vetted before
 * every attempt and the socket connects to the vetted address; redirects are not
 * followed (a 3xx is a failed attempt); the answer is read only up to a few hundred
 * characters. Never throws: every outcome is a SendResult.
 */
export class WebhookSender {
  private readonly timeoutMs: number;
  private readonly maxResponseChars: number;

  constructor(private readonly options: SenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxResponseChars = options.maxResponseChars ?? 300;
  }

  /** The `webhook-signature` header value. */
  static sign(secrets: readonly string[], messageId: string, timestamp: Date, body: string): string {
    return secrets.map((s) => new Webhook(s).sign(messageId, timestamp, body)).join(' ');
  }

  async send(req: SendRequest): Promise<SendResult> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return failure('The webhook URL is not valid.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      return failure('Only http(s) URLs are allowed.');
    let target;
    try {
      target = await vetTarget(url, {
        allowPrivate: this.options.allowPrivate,
        ...(this.options.resolve ? { resolve: this.options.resolve } : {}),
      });
    } catch (err) {
      return failure(err instanceof TargetRefused ? err.message : 'The target could not be checked.');
    }
    const payload = Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(payload.length),
      'user-agent': USER_AGENT,
      'webhook-id': req.messageId,
      'webhook-timestamp': String(Math.floor(req.timestamp.getTime() / 1000)),
      'webhook-signature': WebhookSender.sign(req.secrets, req.messageId, req.timestamp, req.body),
    };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    const limitBytes = this.maxResponseChars * 4;
    const client = url.protocol === 'https:' ? https : http;

    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const settle = (result: SendResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const request = client.request(
        {
          method: 'POST',
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          headers,
          ...(url.username
            ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
            : {}),
          lookup: pinnedLookup(target),
          // One connection per attempt: no pooled socket outlives the address check.
          agent: false,
          signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () => {
            const text = Buffer.concat(chunks).toString('utf8').slice(0, this.maxResponseChars);
            const ok = status >= 200 && status < 300;
            settle({
              ok,
              status,
              body: text || null,
              error: ok
                ? null
                : status >= 300 && status < 400
                  ? `The receiver answered ${status}; redirects are not followed.`
                  : `The receiver answered ${status}.`,
            });
            res.destroy();
          };
          res.on('data', (chunk: Buffer) => {
            if (size < limitBytes) chunks.push(chunk);
            size += chunk.length;
            if (size >= limitBytes) done();
          });
          res.on('end', done);
          res.on('error', done);
          res.on('close', done);
        },
      );
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (timeout.aborted) {
          settle(failure(`The receiver did not answer within ${Math.round(this.timeoutMs / 1000)} s.`));
        } else if (signal.aborted) {
          settle(failure('The attempt was interrupted.'));
        } else {
          settle(failure(describe(err)));
        }
      });
      request.end(payload);
    });
  }
}

function failure(error: string): SendResult {
  return { ok: false, status: null, body: null, error };
}

/** Connection errors as a short line: the code, and Node's message without stack or internals. */
function describe(err: NodeJS.ErrnoException): string {
  const message = `${err.code ? `${err.code}: ` : ''}${err.message}`.replace(/\s+/g, ' ');
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
}
