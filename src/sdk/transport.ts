import createClient, { type Client } from 'openapi-fetch';
import { apiErrorFrom } from './errors.js';
import type { paths } from './generated/openapi.js';
import { retryingFetch, type RetryOptions } from './retry.js';

export interface TransportOptions {
  /** The server, e.g. `https://iris.example.com` (a trailing `/api/v1` is accepted). */
  baseUrl: string;
  /** An API key (`ir_live_…`) or a session token. */
  token?: string;
  /** `false` turns retries off. */
  retry?: RetryOptions | false;
  fetch?: (request: Request) => Promise<Response>;
  userAgent?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallInit {
  path?: Record<string, string>;
  query?: object;
  body?: unknown;
  signal?: AbortSignal;
}

interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}
type UntypedMethod = (path: string, init: object) => Promise<FetchResult>;

/** `https://x/api/v1/` → `https://x`: the generated paths carry the `/api/v1` prefix. */
export function serverRoot(baseUrl: string): string {
  const url = new URL(baseUrl);
  const pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${url.origin}${pathname}`;
}

/**
 * The typed openapi-fetch client plus one untyped entry point. The untyped one exists
 * because the SDK's convenience methods must also compile against documents that lack
 * a route (it is added by another module later); their types come from `types.ts`.
 */
export class Transport {
  readonly root: string;
  readonly api: Client<paths>;
  readonly token: string | undefined;
  readonly fetch: (request: Request) => Promise<Response>;

  constructor(options: TransportOptions) {
    this.root = serverRoot(options.baseUrl);
    this.token = options.token;
    const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    this.fetch = retryingFetch(base, options.retry === false ? { retries: 0 } : options.retry);
    this.api = createClient<paths>({
      baseUrl: this.root,
      fetch: this.fetch,
      headers: this.headers(options.userAgent),
    });
  }

  /** Headers every request carries (also used for tus and raw downloads). */
  headers(userAgent?: string): Record<string, string> {
    return {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(userAgent ? { 'user-agent': userAgent } : {}),
    };
  }

  url(path: string): string {
    return `${this.root}${path}`;
  }

  /** Sends a request and returns the JSON body, or throws `IrisApiError`. */
  async call<T>(method: HttpMethod, path: string, init: CallInit = {}): Promise<T> {
    const send = (this.api as unknown as Record<HttpMethod, UntypedMethod>)[method];
    const { data, error, response } = await send(path, {
      params: { path: init.path, query: init.query },
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (!response.ok) throw apiErrorFrom(response, error);
    return data as T;
  }
}
