import type { IrisMigration } from './types.js';

/**
 * Agents (spec 002): an agent belongs to a workspace and answers from its recordings.
 * A conversation is one thread of messages with one agent; messages keep what the reply
 * was built from (citations, tool calls, token usage, latency, stop reason), so a
 * conversation can be read back, streamed again and counted in analytics.
 */
export const agents: IrisMigration = {
  async up({ db, t }) {
    // Characters: persona presets an agent can take (its voice), shared in a workspace.
    await db.schema
      .createTable('agent_characters')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('agent_characters_workspace_created')
      .on('agent_characters')
      .columns(['workspace_id', 'created_at desc', 'id desc'])
      .execute();
    // Plugins: external MCP servers a workspace admin registers; their tools join the
    // catalogue agents pick from. Headers (credentials) are sealed with the instance secret.
    await db.schema
      .createTable('agent_plugins')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('headers_sealed', 'text')
      .addColumn('tools', t.json, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('agents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('instructions', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('character_id', 'text', (c) => c.references('agent_characters.id').onDelete('set null'))
      .addColumn('tools', t.json, (c) => c.notNull())
      // { sources?, recording_ids?, from?, to? }: what the agent may draw on, inside its caller's access.
      .addColumn('knowledge', t.json, (c) => c.notNull())
      .addColumn('temperature', t.real, (c) => c.notNull())
      .addColumn('max_steps', 'integer', (c) => c.notNull())
      .addColumn('max_citations', 'integer', (c) => c.notNull())
      .addColumn('metadata', t.json, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('agents_workspace_created')
      .on('agents')
      .columns(['workspace_id', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('agent_conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('agent_conversations_agent_updated')
      .on('agent_conversations')
      .columns(['agent_id', 'updated_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('agent_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('agent_conversations.id').onDelete('cascade'),
      )
      .addColumn('agent_id', 'text', (c) => c.notNull())
      // Position in the conversation (0, 1, …): the order messages are read back in.
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('citations', t.json, (c) => c.notNull())
      .addColumn('tool_calls', t.json, (c) => c.notNull())
      // Counted apart from the JSON for analytics, which sums it without parsing every row.
      .addColumn('tool_call_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('model', 'text')
      .addColumn('stop_reason', 'text')
      .addColumn('prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('latency_ms', 'integer')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('agent_messages_conversation_seq', ['conversation_id', 'seq'])
      .execute();
    // An agent's notes are per person: a note taken in one member's conversation may hold
    // what only that member could read.
    await db.schema
      .createTable('agent_memories')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('agent_memories_agent_user')
      .on('agent_memories')
      .columns(['agent_id', 'user_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('agent_messages_agent_created')
      .on('agent_messages')
      .columns(['agent_id', 'created_at'])
      .execute();
  },
};
