import { paginate, type PaginateOptions } from './pagination.js';
import type { Transport } from './transport.js';
import type {
  Invite,
  InviteBody,
  MemberRoleBody,
  Members,
  Usage,
  Workspace,
  WorkspaceDetail,
  WorkspaceList,
} from './types.js';

/** Workspaces you belong to, their members, invitations and usage. */
export class Workspaces {
  constructor(private readonly t: Transport) {}

  list(query: { limit?: number; offset?: number } = {}) {
    return this.t.call<WorkspaceList>('GET', '/api/v1/workspaces', { query });
  }

  iterate(options: PaginateOptions = {}): AsyncGenerator<Workspace> {
    return paginate((page) => this.list(page), options);
  }

  get(workspaceId: string) {
    return this.t.call<WorkspaceDetail>('GET', '/api/v1/workspaces/{id}', { path: { id: workspaceId } });
  }

  create(name: string) {
    return this.t.call<WorkspaceDetail>('POST', '/api/v1/workspaces', { body: { name } });
  }

  rename(workspaceId: string, name: string) {
    return this.t.call<WorkspaceDetail>('PATCH', '/api/v1/workspaces/{id}', {
      path: { id: workspaceId },
      body: { name },
    });
  }

  members(workspaceId: string) {
    return this.t.call<Members>('GET', '/api/v1/workspaces/{id}/members', { path: { id: workspaceId } });
  }

  setRole(workspaceId: string, userId: string, body: MemberRoleBody) {
    return this.t.call<unknown>('PATCH', '/api/v1/workspaces/{id}/members/{userId}', {
      path: { id: workspaceId, userId },
      body,
    });
  }

  /** Removes a member, or leaves the workspace when `userId` is yours. */
  removeMember(workspaceId: string, userId: string) {
    return this.t.call<void>('DELETE', '/api/v1/workspaces/{id}/members/{userId}', {
      path: { id: workspaceId, userId },
    });
  }

  invite(body: InviteBody) {
    return this.t.call<Invite>('POST', '/api/v1/workspaces/invite', { body });
  }

  revokeInvite(workspaceId: string, inviteId: string) {
    return this.t.call<void>('DELETE', '/api/v1/workspaces/{id}/invites/{inviteId}', {
      path: { id: workspaceId, inviteId },
    });
  }

  usage(workspaceId: string) {
    return this.t.call<Usage>('GET', '/api/v1/workspaces/{id}/usage', { path: { id: workspaceId } });
  }
}
