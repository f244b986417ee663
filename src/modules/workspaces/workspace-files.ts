import type { Logger } from 'pino';
import { workspacePrefix, type BlobStore } from '../../platform/storage/index.js';

/**
 * Removes the stored files of workspaces whose rows are already deleted. Rows go
 * first: once they are gone nothing can reach the files, so a failure here leaves
 * unreachable files rather than a half-deleted workspace; it is logged with the
 * prefix to purge by hand.
 */
export async function purgeWorkspaceFiles(
  blobs: Pick<BlobStore, 'deletePrefix'>,
  logger: Logger,
  workspaceIds: readonly string[],
): Promise<void> {
  for (const id of workspaceIds) {
    await blobs.deletePrefix(workspacePrefix(id)).catch((err: unknown) => {
      logger.error({ err, prefix: workspacePrefix(id) }, 'could not delete the files of a deleted workspace');
    });
  }
}
