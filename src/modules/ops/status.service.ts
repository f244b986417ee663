import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/db/database.js';
import { pingDatabase } from './probes.js';

export interface StatusSections {
  nodes: { total: number; online: number; offline: number };
  recordings: { total: number; by_status: Record<string, number> };
  health: { open: number };
  queue: Record<string, unknown> | null;
}

export interface StatusReport extends StatusSections {
  workspace_id: string;
  uptime_seconds: number;
  version: string;
  role: Config['role'];
  database: { dialect: Database['dialect']; ok: boolean };
}

/**
 * A module's share of the status, for one workspace. Nodes, recordings, health
 * events and the queue register one each as they are built.
 */
export type StatusContributor = (workspaceId: string) => Promise<Partial<StatusSections>>;

export interface StatusDeps {
  access: AccessService;
  database: Database;
  logger: Logger;
  version: string;
  role: Config['role'];
}

/** Aggregated, workspace-scoped status (spec 003 `GET /api/v1/status`, `node:read`). */
export class StatusService {
  private readonly contributors: StatusContributor[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly d: StatusDeps) {}

  contribute(contributor: StatusContributor): void {
    this.contributors.push(contributor);
  }

  async status(principal: Principal, workspaceId?: string): Promise<StatusReport> {
    const access = await this.d.access.require(principal, 'node:read', {
      workspaceId,
      action: 'status.read',
    });
    const [db, parts] = await Promise.all([
      pingDatabase(this.d.database),
      Promise.all(this.contributors.map((c) => this.safely(c, access.workspaceId))),
    ]);
    const sections: StatusSections = {
      nodes: { total: 0, online: 0, offline: 0 },
      recordings: { total: 0, by_status: {} },
      health: { open: 0 },
      queue: null,
      ...parts.reduce<Partial<StatusSections>>((all, part) => ({ ...all, ...part }), {}),
    };
    return {
      workspace_id: access.workspaceId,
      uptime_seconds: Math.floor((Date.now() - this.startedAt) / 1000),
      version: this.d.version,
      role: this.d.role,
      database: { dialect: this.d.database.dialect, ok: db.ok },
      ...sections,
    };
  }

  /** One failing module must not take the whole status page down; it is logged instead. */
  private async safely(c: StatusContributor, workspaceId: string): Promise<Partial<StatusSections>> {
    try {
      return await c(workspaceId);
    } catch (err) {
      this.d.logger.warn({ err }, 'a status contributor failed');
      return {};
    }
  }
}
