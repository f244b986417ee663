import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Spec 001's manual recording is stateless: `record/start` hands out a server-trusted
 * `started_at` that the client echoes to `record/stop`. To keep it a plain ISO 8601
 * time (clients written against the spec parse and echo it) and still refuse one the
 * client made up, the server's MAC rides in the fraction of the second: milliseconds,
 * then nine digits of HMAC-SHA256(camera id, the millisecond) under a key derived from
 * the instance secret. Date parsers read it as the same millisecond. Nine digits are
 * 30 bits: guessing needs ~10^9 tries against a rate-limited route, for at most the
 * segment buffer's ten minutes of a camera the caller may already watch.
 */
const FORMAT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})(\d{9})Z$/;

export class StartSigner {
  private readonly key: Buffer;

  constructor(instanceSecret: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', instanceSecret, 'iris/vision', 'manual recording start v1', 32),
    );
  }

  sign(cameraId: string, at: Date): string {
    const ms = at.toISOString().slice(0, 23);
    return `${ms}${this.mac(cameraId, ms)}Z`;
  }

  /** The start in epoch milliseconds, or undefined when it is not one this server signed for the camera. */
  verify(cameraId: string, startedAt: string): number | undefined {
    const m = FORMAT.exec(startedAt);
    if (!m) return undefined;
    const expected = Buffer.from(this.mac(cameraId, m[1]!));
    if (!timingSafeEqual(expected, Buffer.from(m[2]!))) return undefined;
    return Date.parse(`${m[1]!}Z`);
  }

  private mac(cameraId: string, ms: string): string {
    const digest = createHmac('sha256', this.key).update(`${cameraId}|${ms}`).digest();
    return String(digest.readUInt32BE(0) % 1_000_000_000).padStart(9, '0');
  }
}
