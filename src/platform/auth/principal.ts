import type { KeyScope } from './permissions.js';

export type CredentialType = 'session' | 'api_key' | 'node' | 'sso' | 'metrics_token' | 'none';

/** Who is calling, and with what. Services take it first and decide access from it. */
export interface Principal {
  kind: 'user' | 'anonymous' | 'node' | 'system';
  userId?: string;
  email?: string;
  name?: string;
  isInstanceAdmin: boolean;
  credential: {
    type: CredentialType;
    id?: string;
    /** Only for API keys: the scopes that cap this request's permissions. */
    scopes?: KeyScope[];
    /** API keys and nodes are bound to one workspace. */
    workspaceId?: string;
  };
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

export const anonymous = (meta: Pick<Principal, 'ip' | 'userAgent' | 'requestId'> = {}): Principal => ({
  kind: 'anonymous',
  isInstanceAdmin: false,
  credential: { type: 'none' },
  ...meta,
});

export const systemPrincipal: Principal = {
  kind: 'system',
  isInstanceAdmin: true,
  credential: { type: 'none' },
};
