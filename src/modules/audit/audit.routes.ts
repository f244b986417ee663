import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import type { AuditExport, AuditQueryService } from './audit.query.service.js';
import {
  AuditEventDetailSchema,
  AuditEventParams,
  AuditEventQuery,
  AuditEventSchema,
  AuditExportBody,
  AuditExportQuery,
  AuditFacetsQuery,
  AuditFacetsSchema,
  AuditListQuery,
  ExportResponse,
} from './audit.schemas.js';

const tags = ['audit'];

/** Sends an export as a streamed attachment; the headers tell whether it was capped. */
function sendExport(reply: FastifyReply, file: AuditExport): FastifyReply {
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('x-export-total-rows', String(file.total))
    .header('x-export-row-limit', String(file.rowLimit))
    .header('x-export-truncated', String(file.truncated))
    .header('x-export-as-of', file.asOf)
    .send(file.body);
}

export const auditRoutes: FastifyPluginAsyncTypebox<{ auditQuery: AuditQueryService }> = async (
  app,
  { auditQuery },
) => {
  app.get(
    '/audit-events',
    {
      schema: {
        tags,
        summary: 'List audit events, newest first',
        description: 'Needs `audit:read` in the workspace. Filters combine with AND.',
        querystring: AuditListQuery,
        response: { 200: ListOf(AuditEventSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit: _l, offset: _o, ...filters } = req.query;
      const page = clampPage(req.query);
      const { items, total } = await auditQuery.list(req.principal, filters, page);
      return pageOf(items, page, total);
    },
  );

  app.get(
    '/audit-events/facets',
    {
      schema: {
        tags,
        summary: 'Counts per action, outcome, actor, target type, permission and credential',
        querystring: AuditFacetsQuery,
        response: { 200: AuditFacetsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => auditQuery.facets(req.principal, req.query),
  );

  app.get(
    '/audit-events/export',
    {
      schema: {
        tags,
        summary: 'Export filtered audit events as CSV, JSON or NDJSON',
        description:
          'Streams an attachment of at most 100,000 rows (see `X-Export-Row-Limit`, ' +
          '`X-Export-Total-Rows`, `X-Export-Truncated`) of the events before `X-Export-As-Of`. CSV cells that a spreadsheet would ' +
          'evaluate as formulas are prefixed with an apostrophe. The export is itself audited.',
        querystring: AuditExportQuery,
        response: { 200: ExportResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => sendExport(reply, await auditQuery.export(req.principal, req.query)),
  );

  app.post(
    '/audit-events/export',
    {
      schema: {
        tags,
        summary: 'Export selected (ids) and/or filtered audit events',
        description: 'Same output as `GET /audit-events/export`; `ids` selects up to 1,000 events.',
        body: AuditExportBody,
        response: { 200: ExportResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => sendExport(reply, await auditQuery.export(req.principal, req.body)),
  );

  app.get(
    '/audit-events/:id',
    {
      schema: {
        tags,
        summary: 'One audit event with its before/after snapshots',
        params: AuditEventParams,
        querystring: AuditEventQuery,
        response: { 200: AuditEventDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => auditQuery.get(req.principal, req.params.id, req.query.workspace_id),
  );
};
