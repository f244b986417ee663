import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

/** Every id prefix in the system, so a glance at an id tells what it names. */
export type IdPrefix =
  | 'usr'
  | 'ses'
  | 'ws'
  | 'inv'
  | 'key'
  | 'grp'
  | 'pol'
  | 'aud'
  | 'mail'
  | 'tok'
  | 'job'
  | 'rec'
  | 'shr'
  | 'frm'
  | string;

/**
 * ulidx's own source of randomness makes one crypto call per id character (4% of an API
 * request's CPU in a profile, for the request id alone). The same crypto bytes drawn
 * from a pool refilled 4 KiB at a time; a byte / 256 maps evenly onto the 32 symbols.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function pooledRandom(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 256;
}

const ulid = monotonicFactory(pooledRandom);

/** Opaque, time-sortable, prefixed ids (`ws_01J…`), generated in application code. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

const ID_SHAPE = /^[a-z]{2,5}_[0-9a-z]{26}$/;
export function isId(value: string, prefix?: string): boolean {
  return ID_SHAPE.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}
