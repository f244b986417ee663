import type { Kysely } from 'kysely';
import type { Container } from '../src/container.js';
import type { DB } from '../src/platform/db/schema.js';
import { codec } from '../src/platform/db/codec.js';
import { generateApiKey } from '../src/platform/auth/tokens.js';
import { newId } from '../src/platform/ids.js';

/**
 * A user with a team-plan workspace (the benches measure work, not plan limits) and an
 * API key with the given scopes, written straight into the database.
 */
export async function seedBenchUser(
  c: Container,
  scopes: string[],
): Promise<{ userId: string; workspaceId: string; key: string }> {
  const now = codec.now();
  const userId = newId('usr');
  const workspaceId = newId('ws');
  const { db } = c.database;
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: `bench-${userId.slice(-8)}@example.com`,
      name: 'Bench',
      is_instance_admin: 0,
      status: 'active',
      created_at: now,
      updated_at: now,
      default_workspace_id: workspaceId,
    })
    .execute();
  await c.workspacesRepo.create(
    { id: workspaceId, name: 'Bench', plan: 'team', created_by: userId, created_at: now, updated_at: now },
    userId,
  );
  const key = generateApiKey();
  await db
    .insertInto('api_keys')
    .values({
      id: newId('key'),
      workspace_id: workspaceId,
      user_id: userId,
      name: 'bench',
      prefix: key.prefix,
      key_hash: key.hash,
      scopes: codec.json(scopes),
      created_at: now,
    })
    .execute();
  return { userId, workspaceId, key: key.plaintext };
}

/** A processed recording's row (its documents are the bench's to index), returning its id. */
export async function seedReadyRecording(
  db: Kysely<DB>,
  workspaceId: string,
  title: string,
): Promise<string> {
  const id = newId('rec');
  const now = codec.now();
  await db
    .insertInto('recordings')
    .values({
      id,
      workspace_id: workspaceId,
      created_by: null,
      title,
      source: 'upload',
      status: 'ready',
      stored_bytes: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}
