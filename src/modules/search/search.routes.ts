import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../platform/http/schemas.js';
import { SearchBody, SearchResponse } from './search.schemas.js';
import type { SearchService } from './search.service.js';

export const searchRoutes: FastifyPluginAsyncTypebox<{ search: SearchService }> = async (app, { search }) => {
  app.post(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search recordings: ranked recordings with snippets and the moments that matched',
        description:
          'Full text over titles, summaries, transcripts and screen text (BM25 over an impact-ordered ' +
          'index, the same on SQLite and PostgreSQL), fused with vector similarity when an embedder is configured. Without ' +
          '`workspace_id`, searches every workspace you can read (an API key: its own workspace). ' +
          'Scope: read.',
        body: SearchBody,
        response: { 200: SearchResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => search.search(req.principal, req.body),
  );
};
