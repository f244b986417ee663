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

const ulid = monotonicFactory();

/** Opaque, time-sortable, prefixed ids (`ws_01J…`), generated in application code. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

const ID_SHAPE = /^[a-z]{2,5}_[0-9a-z]{26}$/;
export function isId(value: string, prefix?: string): boolean {
  return ID_SHAPE.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}
