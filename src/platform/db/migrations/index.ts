import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import { ensureSchema, type Database } from '../database.js';
import { columnTypes, type IrisMigration } from './types.js';
import { platform } from './0001_platform.js';
import { jobs } from './0002_jobs.js';
import { recordings } from './0003_recordings.js';
import { pipeline } from './0004_pipeline.js';
import { search } from './0005_search.js';
import { searchPostings } from './0006_search_postings.js';
import { agents } from './0007_agents.js';
import { webhooks } from './0008_webhooks.js';
import { workspaceRateLimits } from './0009_workspace_rate_limits.js';
import { cameras } from './0010_cameras.js';
import { cameraEvents } from './0011_camera_events.js';
import { cameraClips } from './0012_camera_clips.js';

/**
 * The one migration history, in order. Names sort lexically; add new ones at the end
 * with the next number. Each runs on SQLite and PostgreSQL.
 */
const HISTORY: Record<string, IrisMigration> = {
  '0001_platform': platform,
  '0002_jobs': jobs,
  '0003_recordings': recordings,
  '0004_pipeline': pipeline,
  '0005_search': search,
  '0006_search_postings': searchPostings,
  '0007_agents': agents,
  '0008_webhooks': webhooks,
  '0009_workspace_rate_limits': workspaceRateLimits,
  '0010_cameras': cameras,
  '0011_camera_events': cameraEvents,
  '0012_camera_clips': cameraClips,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly database: Database) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const { dialect } = this.database;
    const t = columnTypes(dialect);
    return Object.fromEntries(
      Object.entries(HISTORY).map(([name, m]) => [
        name,
        { up: (db: Kysely<unknown>) => m.up({ db, dialect, t }) } satisfies Migration,
      ]),
    );
  }
}

/**
 * Kysely's migrator introspects every schema of the database. When another schema of
 * the same PostgreSQL database is dropped at that moment (another tenant, or another
 * test run), PostgreSQL answers "schema … does not exist" for it; that is transient.
 */
const RACED_WITH_DROP = /schema "[^"]+" does not exist/;

export async function migrateToLatest(database: Database, attempts = 5): Promise<MigrationResultSet> {
  await ensureSchema(database);
  const migrator = new Migrator({
    db: database.db,
    provider: new StaticProvider(database),
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  let result = await migrator.migrateToLatest();
  for (
    let i = 1;
    i < attempts && result.error instanceof Error && RACED_WITH_DROP.test(result.error.message);
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50 * i));
    result = await migrator.migrateToLatest();
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return result;
}
