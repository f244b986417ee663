import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

// Delete/extend only while the key still holds our token: an expired lock another
// process took since is not ours to touch.
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface RedisTusLockerOptions {
  /** Key and channel prefix; tests use a random one to stay apart. */
  prefix?: string;
  /** A holder that dies keeps the lock at most this long; live holders renew it. */
  ttlMs?: number;
  /** How long a request waits for a lock before tus answers it with a lock timeout. */
  acquireTimeoutMs?: number;
  pollMs?: number;
}

/**
 * tus upload locks shared by every API process through Redis (IRIS_REDIS_URL), so a
 * client's retried PATCH that reaches another process waits for the first request to
 * let go instead of both appending to the same file. @tus/server only ships an
 * in-process locker, hence this one; it keeps MemoryLocker's behaviour: a waiter asks
 * the holder to release (tus then ends the older request) and takes the lock after.
 *
 * A lock is `SET key token NX PX ttl`, renewed by its holder every ttl/3; release
 * requests go over one pub/sub channel with the upload id as the message.
 */
export class RedisTusLocker implements Locker {
  readonly redis: Redis;
  private readonly subscriber: Redis;
  /** Locks this process holds: upload id → how to make its request let go. */
  readonly held = new Map<string, RequestRelease>();
  readonly prefix: string;
  readonly ttlMs: number;
  readonly acquireTimeoutMs: number;
  readonly pollMs: number;
  private ready?: Promise<unknown>;

  constructor(
    url: string,
    private readonly logger: Logger,
    options: RedisTusLockerOptions = {},
  ) {
    this.prefix = options.prefix ?? 'iris:tus:lock';
    this.ttlMs = options.ttlMs ?? 15_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.pollMs = options.pollMs ?? 50;
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.subscriber = new Redis(url, { lazyConnect: false });
    for (const client of [this.redis, this.subscriber]) {
      client.on('error', (err: Error) => this.logger.warn({ err }, 'tus lock store: Redis error'));
    }
    this.subscriber.on('message', (_channel: string, id: string) => {
      const release = this.held.get(id);
      if (!release) return;
      Promise.resolve(release()).catch((err: unknown) =>
        this.logger.warn({ err, uploadId: id }, 'could not ask a tus request to release its lock'),
      );
    });
  }

  get channel(): string {
    return `${this.prefix}:release`;
  }

  key(id: string): string {
    return `${this.prefix}:${id}`;
  }

  /** Subscribed before the first lock, so no release request is missed. */
  whenReady(): Promise<unknown> {
    this.ready ??= this.subscriber.subscribe(this.channel);
    return this.ready;
  }

  newLock(id: string): Lock {
    return new RedisTusLock(this, id);
  }

  extend(id: string, token: string): Promise<unknown> {
    return this.redis.eval(EXTEND_LUA, 1, this.key(id), token, String(this.ttlMs));
  }

  release(id: string, token: string): Promise<unknown> {
    return this.redis.eval(RELEASE_LUA, 1, this.key(id), token);
  }

  async close(): Promise<void> {
    this.held.clear();
    await Promise.allSettled([this.subscriber.quit(), this.redis.quit()]);
  }
}

class RedisTusLock implements Lock {
  private readonly token = randomUUID();
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly locker: RedisTusLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const l = this.locker;
    await l.whenReady();
    const deadline = Date.now() + l.acquireTimeoutMs;
    let askedAt = 0;
    for (;;) {
      const taken = await l.redis.set(l.key(this.id), this.token, 'PX', l.ttlMs, 'NX');
      if (taken === 'OK') {
        l.held.set(this.id, requestRelease);
        this.renewal = setInterval(
          () => {
            l.extend(this.id, this.token).catch(() => undefined);
          },
          Math.max(1, Math.floor(l.ttlMs / 3)),
        );
        this.renewal.unref();
        return;
      }
      if (signal.aborted || Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      // Ask the holder to let go, again every second in case it missed the first ask.
      if (Date.now() - askedAt >= 1_000) {
        askedAt = Date.now();
        await l.redis.publish(l.channel, this.id);
      }
      await sleep(l.pollMs);
    }
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewal);
    this.renewal = undefined;
    const l = this.locker;
    l.held.delete(this.id);
    await l.release(this.id, this.token);
  }
}
