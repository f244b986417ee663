/** Field names whose values never reach the audit log, responses or logs. */
const SECRET_FIELDS =
  /^(password|password_hash|key_hash|token|token_hash|secret|plaintext|rtsp_url|credential|authorization)$/i;

/** Deep copy with secret-looking fields replaced, so before/after snapshots are safe to show. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELDS.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
