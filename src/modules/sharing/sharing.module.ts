import type { Kysely } from 'kysely';
import type { AccessService } from '../../platform/auth/access.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { RecordingsModule } from '../recordings/recordings.module.js';
import { RecordingsRepository } from '../recordings/recordings.repository.js';
import { PublicShareService } from './public-share.service.js';
import { ShareUrls } from './share-urls.js';
import { SharesRepository } from './shares.repository.js';
import { SharesService } from './shares.service.js';
import { routes, type IrisModule } from '../../platform/modules/iris-module.js';
import { publicShareRoutes, sharesRoutes } from './shares.routes.js';
import { sharePageRoutes } from './share-page.routes.js';

export interface SharingModuleDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  access: AccessService;
  audit: AuditWriter;
  blobs: BlobStore;
  publicUrl: string;
  apiPrefix: string;
}

export interface SharingModule {
  /** Share/unshare, and the share state GET /recordings/:id shows. */
  shares: SharesService;
  /**
   * The public side needs the recordings module (playback), which itself takes
   * `shares`: so it is made once that module exists.
   */
  publicShares(recordings: RecordingsModule): PublicShareService;
}

/** Public share links of recordings. */
export function createSharingModule(deps: SharingModuleDeps): SharingModule {
  const repo = new SharesRepository(deps.db, deps.dialect);
  const urls = new ShareUrls(deps.publicUrl, deps.apiPrefix);
  const recordingsRepo = new RecordingsRepository(deps.db);
  return {
    shares: new SharesService({
      repo,
      recordings: recordingsRepo,
      access: deps.access,
      audit: deps.audit,
      urls,
    }),
    publicShares: (recordings) =>
      new PublicShareService({
        shares: repo,
        recordings: recordings.repo,
        playback: recordings.recordings,
        frames: recordings.frames,
        segments: recordings.segments,
        context: recordings.context,
        blobs: deps.blobs,
        urls,
      }),
  };
}

/** The sharing module's routes: share/unshare, the public share API, and the share page at the root. */
export function sharingModule(shares: SharesService, publicShares: PublicShareService): IrisModule {
  return {
    name: 'sharing',
    routes: [
      routes(sharesRoutes, { shares }),
      routes(publicShareRoutes, { publicShares }),
      // The public page of a share link lives at the root, where people open it.
      routes(sharePageRoutes, { publicShares }, 'root'),
    ],
    permissions: ['recording:share'],
  };
}
