import type { Redis } from 'ioredis';
import type { JobInfo } from './port.js';

/**
 * BullMQ has no "cancelled" state, so the BullMQ adapter keeps its own, in Redis next
 * to each queue's keys (obliterating a queue removes them too):
 * - `<prefix>:<name>:iris:cancelled`  hash id → JobInfo snapshot: what get()/counts() report;
 * - `<prefix>:<name>:iris:cancelling` set of cancelled ids whose BullMQ job still
 *   exists (it was active) until its worker has failed and removed it;
 * - `<prefix>:iris:cancel` pub/sub channel telling every worker process to abort a handler.
 */
export class CancelStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get channel(): string {
    return `${this.prefix}:iris:cancel`;
  }

  private recordsKey(name: string): string {
    return `${this.prefix}:${name}:iris:cancelled`;
  }

  private pendingKey(name: string): string {
    return `${this.prefix}:${name}:iris:cancelling`;
  }

  async record(info: JobInfo): Promise<void> {
    await this.redis.hset(this.recordsKey(info.name), info.id, JSON.stringify(info));
  }

  async forget(name: string, id: string): Promise<void> {
    await this.redis.multi().hdel(this.recordsKey(name), id).srem(this.pendingKey(name), id).exec();
  }

  async isCancelled(name: string, id: string): Promise<boolean> {
    return (await this.redis.hexists(this.recordsKey(name), id)) === 1;
  }

  /** The record for `id` under any of `names`. */
  async find(names: string[], id: string): Promise<JobInfo | null> {
    if (names.length === 0) return null;
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hget(this.recordsKey(name), id);
    for (const [, value] of (await pipeline.exec()) ?? []) {
      if (typeof value === 'string') return JSON.parse(value) as JobInfo;
    }
    return null;
  }

  async count(name: string): Promise<number> {
    return this.redis.hlen(this.recordsKey(name));
  }

  async markPending(name: string, id: string): Promise<void> {
    await this.redis.sadd(this.pendingKey(name), id);
  }

  async pending(name: string): Promise<string[]> {
    return this.redis.smembers(this.pendingKey(name));
  }

  async clearPending(name: string, id: string): Promise<void> {
    await this.redis.srem(this.pendingKey(name), id);
  }

  async announce(id: string): Promise<void> {
    await this.redis.publish(this.channel, id);
  }

  /** Drops records of jobs cancelled before `olderThan`; returns how many. */
  async prune(name: string, olderThan: Date): Promise<number> {
    const all = await this.redis.hgetall(this.recordsKey(name));
    const old = Object.entries(all)
      .filter(([, json]) => {
        const finished = (JSON.parse(json) as JobInfo).finishedAt;
        return finished !== null && Date.parse(finished) < olderThan.getTime();
      })
      .map(([id]) => id);
    if (old.length > 0) await this.redis.hdel(this.recordsKey(name), ...old);
    return old.length;
  }
}
