import { Agents } from './agents.js';
import { Cameras, Events } from './vision.js';
import { Audit } from './audit.js';
import { Keys } from './keys.js';
import { Recordings } from './recordings.js';
import { Transport, type TransportOptions } from './transport.js';
import type { Me, SearchQuery, SearchResults } from './types.js';
import { Workspaces } from './workspaces.js';

export type IrisClientOptions = TransportOptions;

/**
 * A thin client over the Iris REST API. `api` is the fully typed openapi-fetch client
 * for any route; the namespaces are shortcuts that throw `IrisApiError` on failure.
 *
 * ```ts
 * const iris = new IrisClient({ baseUrl: 'http://127.0.0.1:8080', token: process.env.IRIS_API_KEY });
 * for await (const r of iris.recordings.iterate({ status: 'ready' })) console.log(r.title);
 * ```
 */
export class IrisClient {
  readonly transport: Transport;
  readonly recordings: Recordings;
  readonly workspaces: Workspaces;
  readonly keys: Keys;
  readonly audit: Audit;
  readonly agents: Agents;
  readonly cameras: Cameras;
  readonly events: Events;

  constructor(options: IrisClientOptions) {
    this.transport = new Transport(options);
    this.recordings = new Recordings(this.transport);
    this.workspaces = new Workspaces(this.transport);
    this.keys = new Keys(this.transport);
    this.audit = new Audit(this.transport);
    this.agents = new Agents(this.transport);
    this.cameras = new Cameras(this.transport);
    this.events = new Events(this.transport);
  }

  get api() {
    return this.transport.api;
  }

  /** The server root this client talks to (without `/api/v1`). */
  get baseUrl(): string {
    return this.transport.root;
  }

  /** You, your workspaces and the credential in use (its type and scopes). */
  me() {
    return this.transport.call<Me>('GET', '/api/v1/auth/me');
  }

  /** Ranked recordings with snippets, over transcripts, screen text and summaries. */
  search(query: string, options: Omit<SearchQuery, 'query'> = {}) {
    return this.transport.call<SearchResults>('POST', '/api/v1/search', { body: { ...options, query } });
  }
}
