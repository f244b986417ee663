import type { ContextInput, RecordingContext } from '../context.repository.js';

/** Context with nothing found yet: what a stage starts from, never filled with guesses. */
export function emptyContext(): ContextInput {
  return {
    summary: null,
    timeline: [],
    actions: [],
    urls: [],
    apps: [],
    tags: [],
    language: null,
    engines: {},
  };
}

/** A stored context as input for the next write (or an empty one). */
export function editableContext(found: RecordingContext | null): ContextInput {
  if (!found) return emptyContext();
  const { updated_at: _updated, ...input } = found;
  return input;
}
