import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Embedder } from '../../engines/embed/port.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import type { JobDefinition } from '../../platform/queue/index.js';
import type { RecordingsModule } from '../recordings/recordings.module.js';
import { routes, type IrisModule } from '../../platform/modules/iris-module.js';
import { indexJob } from './index.job.js';
import { searchRoutes } from './search.routes.js';
import { SearchRepository } from './search.repository.js';
import { SearchService, type MemberWorkspaces } from './search.service.js';

export interface SearchModule extends IrisModule {
  repo: SearchRepository;
  service: SearchService;
  /** `recording.index`, registered as the pipeline's `index` stage. */
  jobs: JobDefinition<unknown>[];
}

/** Wires search: the index stage of the recordings pipeline and POST /search. */
export function createSearchModule(deps: {
  db: Kysely<DB>;
  reader: Kysely<DB>;
  dialect: Dialect;
  access: AccessService;
  workspaces: MemberWorkspaces;
  recordings: Pick<RecordingsModule, 'pipeline' | 'frames' | 'segments' | 'context'>;
  logger: Logger;
  embedder?: Embedder | undefined;
}): SearchModule {
  const repo = new SearchRepository(deps.db, deps.dialect, deps.reader);
  const logger = deps.logger.child({ module: 'search' });
  const service = new SearchService({
    repo,
    access: deps.access,
    workspaces: deps.workspaces,
    logger,
    embedder: deps.embedder,
  });
  const job = indexJob({
    pipeline: deps.recordings.pipeline,
    search: repo,
    frames: deps.recordings.frames,
    segments: deps.recordings.segments,
    context: deps.recordings.context,
    embedder: deps.embedder,
  });
  return {
    name: 'search',
    routes: [routes(searchRoutes, { search: service })],
    permissions: ['recording:read'],
    repo,
    service,
    jobs: [job as JobDefinition<unknown>],
  };
}
