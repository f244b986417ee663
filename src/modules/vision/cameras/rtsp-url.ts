import { badRequest } from '../../../errors.js';

/** Longest RTSP URL accepted (cameras put tokens in the query, never kilobytes). */
export const MAX_RTSP_URL = 2048;

/**
 * An RTSP URL's credentials are the camera's password: they never leave the server.
 * The masked form keeps scheme, host, port and path (operators tell cameras apart by
 * them) and replaces the user info by `***`, and the query, where some cameras take
 * `?user=…&password=…`, by `?***`.
 */
export function maskRtspUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '***';
  }
  const auth = u.username || u.password ? '***@' : '';
  const query = u.search ? '?***' : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname === '/' && !raw.endsWith('/') ? '' : u.pathname}${query}`;
}

/** What an update may echo back: blank or a masked URL means "keep the stored one". */
export const keepsStoredUrl = (value: string | undefined): boolean =>
  value === undefined || value.trim() === '' || value.includes('***');

/** A URL a worker can open: rtsp(s)://host[:port]/…, no whitespace, no control characters. */
export function checkRtspUrl(value: string, field = 'rtsp_url'): string {
  const url = value.trim();
  if (url.length > MAX_RTSP_URL)
    throw badRequest(`${field} is longer than ${MAX_RTSP_URL} characters.`, { field });
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url))
    throw badRequest(`${field} must not contain spaces or control characters.`, { field });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest(`${field} is not a URL (expected rtsp://host/path).`, { field });
  }
  if (u.protocol !== 'rtsp:' && u.protocol !== 'rtsps:')
    throw badRequest(`${field} must start with rtsp:// or rtsps://.`, { field });
  if (!u.hostname) throw badRequest(`${field} has no host.`, { field });
  return url;
}
