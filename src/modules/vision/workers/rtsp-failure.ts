/**
 * Why a camera's stream failed, in the operator's words, from ffmpeg's messages. The
 * reason is ours, never ffmpeg's text: its lines can carry the URL with the password.
 */
export type StreamFailure = 'bad_credentials' | 'unreachable' | 'not_found' | 'no_video' | 'ended' | 'failed';

const RULES: Array<[StreamFailure, RegExp]> = [
  ['bad_credentials', /401 Unauthorized|403 Forbidden|authorization failed/i],
  ['not_found', /404 Not Found|454 Session Not Found/i],
  [
    'unreachable',
    /Connection refused|Connection timed out|No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution|Operation timed out|Immediate exit requested|timeout/i,
  ],
  ['no_video', /does not contain any stream|Output file #0 does not contain|matches no streams|no video/i],
];

export function classifyFailure(stderr: readonly string[]): StreamFailure {
  for (const [kind, re] of RULES) if (stderr.some((l) => re.test(l))) return kind;
  return 'failed';
}

export const FAILURE_REASONS: Record<StreamFailure, string> = {
  bad_credentials: 'The camera refused the credentials in its RTSP URL (401/403).',
  not_found: 'The camera has no stream at that path (404).',
  unreachable: 'The camera cannot be reached (connection refused or timed out).',
  no_video: 'The stream has no video track.',
  ended: 'The stream ended.',
  failed: 'The stream could not be read.',
};
