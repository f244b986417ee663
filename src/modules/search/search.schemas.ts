import { Type } from 'typebox';
import { Id, NullableTimestamp, Strict, Timestamp } from '../../platform/http/schemas.js';
import { RECORDING_SOURCES, RECORDING_STATUSES } from '../recordings/stages.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './search.service.js';
import { MARK_CLOSE, MARK_OPEN } from './snippet.js';

const SNIPPET =
  `Plain text (not HTML), at most ~200 characters, \`…\` where cut; each word that matched the ` +
  `query is wrapped in ${MARK_OPEN} and ${MARK_CLOSE}.`;

export const SearchBody = Strict({
  query: Type.String({
    minLength: 1,
    maxLength: 500,
    description:
      'Words to find. Any text is accepted: punctuation and search operators are treated as ' +
      'separators; the last word also matches as a prefix. 400 when it holds no letter or digit.',
  }),
  limit: Type.Optional(
    Type.Integer({ default: DEFAULT_LIMIT, description: `Recordings to return, clamped to 1–${MAX_LIMIT}.` }),
  ),
  workspace_id: Type.Optional(Id('ws')),
});

const Moment = Type.Object({
  timestamp_seconds: Type.Number({ description: 'Where the moment starts in the recording.' }),
  source: Type.Enum(['transcript', 'screen']),
  text: Type.String({ description: 'The transcript segment or screen text (cut at 500 characters).' }),
  snippet: Type.String({ description: SNIPPET }),
});

const SearchRecording = Type.Object({
  id: Type.String(),
  workspace_id: Type.String(),
  title: Type.String(),
  source: Type.Enum(RECORDING_SOURCES),
  status: Type.Enum(RECORDING_STATUSES),
  duration_seconds: Type.Union([Type.Number(), Type.Null()]),
  created_at: Timestamp,
  processed_at: NullableTimestamp,
});

export const SearchResponse = Type.Object({
  query: Type.String(),
  mode: Type.Enum(['keyword', 'hybrid'], {
    description: '`hybrid` when an embedder is configured and answered: full text fused with vectors.',
  }),
  items: Type.Array(
    Type.Object({
      recording: SearchRecording,
      score: Type.Number({ description: 'Higher is better; comparable only within one response.' }),
      snippet: Type.String({ description: `From the summary or the best-matching moment. ${SNIPPET}` }),
      moments: Type.Array(Moment, { description: 'The best-matching moments (up to 3), in time order.' }),
    }),
  ),
  total: Type.Integer({ description: 'Recordings that matched, beyond `limit`.' }),
});
