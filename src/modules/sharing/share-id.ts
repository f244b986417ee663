import { randomBytes } from 'node:crypto';

/**
 * Share ids are the whole credential of a public link, so unlike other ids (time-sortable
 * ULIDs, guessable neighbours) they are 192 random bits: `shr_` + 32 base64url characters.
 */
const RANDOM_BYTES = 24;

export const SHARE_ID_PATTERN = '^shr_[A-Za-z0-9_-]{32}$';
const SHAPE = new RegExp(SHARE_ID_PATTERN);

export function newShareId(): string {
  return `shr_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
}

/** Lets a malformed id be refused before it costs a database lookup. */
export const isShareId = (value: string): boolean => SHAPE.test(value);
