import type { Readable } from 'node:stream';
import { badRequest, notFound } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Page } from '../../platform/http/pagination.js';
import type { AuditRepository } from './audit.repository.js';
import type { AuditWriter } from './audit.service.js';
import type { AuditEvent, AuditFilter } from './audit.types.js';
import { EXPORT_CONTENT_TYPES, EXPORT_ROW_LIMIT, exportFilename, exportStream } from './audit.export.js';
import {
  FACET_FIELDS,
  type AuditExportInput,
  type AuditFilterInput,
  type ExportFormat,
  type FacetField,
} from './audit.schemas.js';

export interface AuditQueryDeps {
  repo: AuditRepository;
  access: AccessService;
  audit: AuditWriter;
  /** Row cap for one export; tests lower it. */
  exportRowLimit?: number;
}

export type AuditEventSummary = Omit<AuditEvent, 'before' | 'after'>;

export interface AuditExport {
  format: ExportFormat;
  /** Events strictly before this instant are in the export. */
  asOf: string;
  filename: string;
  contentType: string;
  /** Rows matching the filters when the export started. */
  total: number;
  /** Rows the export will contain at most. */
  rowLimit: number;
  truncated: boolean;
  body: Readable;
}

/** The read side of the audit log: list, facets, detail and streamed exports (spec 003). */
export class AuditQueryService {
  private readonly rowLimit: number;

  constructor(private readonly d: AuditQueryDeps) {
    this.rowLimit = d.exportRowLimit ?? EXPORT_ROW_LIMIT;
  }

  async list(principal: Principal, input: AuditFilterInput, page: Page) {
    const filter = await this.scope(principal, input, 'audit.list');
    const { items, total } = await this.d.repo.list(filter, page.limit, page.offset);
    return { items: items.map(summary), total };
  }

  async facets(principal: Principal, input: AuditFilterInput) {
    const filter = await this.scope(principal, input, 'audit.facets');
    const found = await this.d.repo.facets(filter, [...FACET_FIELDS]);
    // Every field is present, empty when nothing matches.
    return Object.fromEntries(FACET_FIELDS.map((f) => [f, found[f] ?? []])) as Record<
      FacetField,
      Array<{ value: string; count: number }>
    >;
  }

  /**
   * One event with its before/after snapshots. The event is looked up in the workspace
   * the request names (or the key is bound to), else in its own workspace; an event
   * outside the caller's reach is indistinguishable from one that does not exist.
   */
  async get(principal: Principal, id: string, workspaceId?: string): Promise<AuditEvent> {
    const event = await this.d.repo.findById(id);
    const scope = workspaceId ?? principal.credential.workspaceId ?? event?.workspace_id ?? undefined;
    const access = await this.d.access.require(principal, 'audit:read', {
      workspaceId: scope,
      action: 'audit.read',
      target: { type: 'audit_event', id },
    });
    if (!event || event.workspace_id !== access.workspaceId) throw notFound('Audit event');
    return event;
  }

  /**
   * Starts an export: checks access, counts, records the export in the audit log and
   * returns a stream that pages through the matching events newest first.
   */
  async export(principal: Principal, input: AuditExportInput): Promise<AuditExport> {
    const { format: requested, ids, ...rest } = input;
    const format: ExportFormat = requested ?? 'csv';
    const filter = await this.scope(principal, rest, 'audit.export');
    if (ids) filter.ids = [...new Set(ids)];
    // A snapshot: the count and the stream both stop at this instant, so later events
    // (including this export's own audit record) do not make them disagree.
    const asOf = new Date().toISOString();
    if (!filter.to || Date.parse(filter.to) > Date.parse(asOf)) filter.to = asOf;
    const { total } = await this.d.repo.list(filter, 1, 0);
    const truncated = total > this.rowLimit;
    const workspaceId = filter.workspaceId as string;
    // Recorded before streaming so an export that is cut off half-way is still on record.
    await this.d.audit.record(principal, {
      workspaceId,
      action: 'audit.export',
      permission: 'audit:read',
      target: { type: 'workspace', id: workspaceId },
      after: {
        format,
        filters: describeFilter(rest),
        selected_ids: ids?.length ?? null,
        rows: Math.min(total, this.rowLimit),
        truncated,
        as_of: asOf,
      },
    });
    return {
      format,
      asOf,
      filename: exportFilename(workspaceId, format),
      contentType: EXPORT_CONTENT_TYPES[format],
      total,
      rowLimit: this.rowLimit,
      truncated,
      body: exportStream(format, this.d.repo.iterate(filter), this.rowLimit),
    };
  }

  /** Checks `audit:read` in the requested (or default) workspace and builds the filter. */
  private async scope(principal: Principal, input: AuditFilterInput, action: string): Promise<AuditFilter> {
    const access = await this.d.access.require(principal, 'audit:read', {
      workspaceId: input.workspace_id,
      action,
    });
    if (input.from && input.to && Date.parse(input.from) >= Date.parse(input.to)) {
      throw badRequest('`from` must be earlier than `to`.');
    }
    const filter: AuditFilter = { workspaceId: access.workspaceId };
    if (input.action) filter.action = input.action;
    if (input.actor_id) filter.actorId = input.actor_id;
    if (input.target_id) filter.targetId = input.target_id;
    if (input.target_type) filter.targetType = input.target_type;
    if (input.outcome) filter.outcome = input.outcome;
    if (input.permission) filter.permission = input.permission;
    if (input.from) filter.from = input.from;
    if (input.to) filter.to = input.to;
    if (input.q) filter.q = input.q;
    return filter;
  }
}

function summary(event: AuditEvent): AuditEventSummary {
  const { before: _before, after: _after, ...rest } = event;
  return rest;
}

function describeFilter(input: AuditFilterInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === 'string' && k !== 'workspace_id') out[k] = v;
  return out;
}
