import { paginate, type PaginateOptions } from './pagination.js';
import type { Transport } from './transport.js';
import type { ApiKey, ApiKeyList, ApiKeyListQuery, CreateApiKeyBody, CreatedApiKey } from './types.js';

/**
 * API keys. Creating and revoking need a session: the server answers 403 to a request
 * authenticated with an API key, so a leaked key cannot mint more.
 */
export class Keys {
  constructor(private readonly t: Transport) {}

  list(query: ApiKeyListQuery = {}) {
    return this.t.call<ApiKeyList>('GET', '/api/v1/keys', { query });
  }

  iterate(query: Omit<ApiKeyListQuery, 'limit' | 'offset'> = {}, options: PaginateOptions = {}) {
    return paginate<ApiKey>((page) => this.list({ ...query, ...page }), options);
  }

  /** The answer's `key.plaintext` is the only time the full key is shown. */
  create(body: CreateApiKeyBody) {
    return this.t.call<CreatedApiKey>('POST', '/api/v1/keys', { body });
  }

  revoke(keyId: string) {
    return this.t.call<void>('DELETE', '/api/v1/keys/{id}', { path: { id: keyId } });
  }
}
