import { randomBytes } from 'node:crypto';
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { changeEpochOf } from './change-epoch.js';
import type { DB } from './schema.js';

/**
 * A query built and compiled by Kysely once, then executed with new parameter values.
 * Building and compiling the same query on every request was a fifth of the CPU of an
 * authenticated API request in a profile; the SQL never changes, only its values do
 * (and on SQLite the statement itself is cached by sqlite-statement-cache.ts).
 *
 * `build` receives `param(name)`, which stands for a value given at each call. It is
 * a unique marker string at compile time, found again among the compiled parameters;
 * a marker Kysely did not turn into a bound parameter (it would have been inlined into
 * the SQL) is refused when the query is prepared, so a value can never be baked in.
 * Use for hot queries of fixed shape only: an `in` list of varying length is not one.
 *
 * `reuseWhileUnchanged` keeps the rows of the last `REUSED_RESULTS` distinct parameter
 * sets and hands them back while the database's change epoch (change-epoch.ts) has not
 * moved, so a credential or a list asked for on every request costs one native call
 * until something is written, by any process. The epoch is read before the query runs
 * and the rows are kept under it, so kept rows are never older than their epoch. Only
 * for SQL whose result depends on the data and the parameters alone (no `now()`, no
 * randomness); the rows are frozen, since every caller shares them. Inside a
 * transaction, or on a database without an epoch (PostgreSQL), the query always runs.
 */
export function prepare<Names extends string, Row>(
  /** A getter, so repositories can prepare in field initialisers. */
  db: () => Kysely<DB>,
  build: (param: <T>(name: Names) => T) => Compilable<Row>,
  options: { reuseWhileUnchanged?: boolean } = {},
): (values: Record<Names, unknown>) => Promise<Row[]> {
  const reused = new Map<string, { epoch: string; rows: Row[] }>();
  let compiled: { query: CompiledQuery<Row>; slots: Array<Names | undefined> } | undefined;
  const compile = () => {
    const tag = randomBytes(8).toString('hex');
    const markers = new Map<string, Names>();
    const param = <T>(name: Names): T => {
      const marker = `\u0000param:${tag}:${name}`;
      markers.set(marker, name);
      return marker as T;
    };
    const query = build(param).compile();
    const slots = query.parameters.map((v) => (typeof v === 'string' ? markers.get(v) : undefined));
    for (const [marker, name] of markers) {
      if (query.sql.includes(marker))
        throw new Error(`prepare: parameter "${name}" was inlined into the SQL`);
      if (!slots.includes(name)) throw new Error(`prepare: parameter "${name}" is not bound`);
    }
    return { query, slots };
  };
  return async (values) => {
    compiled ??= compile();
    const { query, slots } = compiled;
    const parameters = query.parameters.map((v, i) => {
      const name = slots[i];
      return name === undefined ? v : values[name];
    });
    const kysely = db();
    const epoch = options.reuseWhileUnchanged ? changeEpochOf(kysely)?.() : undefined;
    if (epoch === undefined) return (await kysely.executeQuery<Row>({ ...query, parameters })).rows;
    const key = JSON.stringify(parameters);
    const kept = reused.get(key);
    if (kept?.epoch === epoch) return kept.rows;
    const rows = (await kysely.executeQuery<Row>({ ...query, parameters })).rows;
    for (const row of rows) Object.freeze(row);
    reused.delete(key); // re-insert: Map order is the recency order
    reused.set(key, { epoch, rows: Object.freeze(rows) as Row[] });
    if (reused.size > REUSED_RESULTS) reused.delete(reused.keys().next().value!);
    return rows;
  };
}

/** Parameter sets whose rows one reusing query keeps (the longest kept dropped first). */
const REUSED_RESULTS = 1000;
