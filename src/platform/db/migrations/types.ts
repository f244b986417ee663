import { sql, type ColumnDataType, type Expression, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** Column types that differ by dialect; migrations use these instead of raw names. */
export interface ColumnTypes {
  time: ColumnDataType;
  json: ColumnDataType | Expression<unknown>;
  bool: ColumnDataType;
  bigint: ColumnDataType;
  blob: ColumnDataType;
  real: ColumnDataType;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return dialect === 'postgres'
    ? {
        time: 'timestamptz',
        json: 'jsonb',
        bool: 'boolean',
        bigint: 'bigint',
        blob: 'bytea',
        real: 'double precision',
      }
    : { time: 'text', json: 'text', bool: 'integer', bigint: 'integer', blob: 'blob', real: 'real' };
}

export interface MigrationContext {
  db: Kysely<unknown>;
  dialect: Dialect;
  t: ColumnTypes;
}

export interface IrisMigration {
  up(ctx: MigrationContext): Promise<void>;
}

export const falseValue = (dialect: Dialect) => (dialect === 'postgres' ? sql`false` : sql`0`);
