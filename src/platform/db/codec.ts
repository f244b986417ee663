/**
 * The small codec that makes SQLite and PostgreSQL rows look the same to repositories.
 * Timestamps travel as ISO-8601 strings both ways (PostgreSQL's timestamptz is parsed
 * back to ISO by the pool's type parsers), JSON as text, booleans as 0/1 (PostgreSQL
 * accepts '1'/'0' for boolean parameters), and int8 as a JS number.
 */
export const codec = {
  now: (): string => new Date().toISOString(),
  time: (value: Date | string | number): string => new Date(value).toISOString(),
  json: (value: unknown): string => JSON.stringify(value ?? null),
  bool: (value: boolean): number => (value ? 1 : 0),
};

export const decode = {
  json<T>(value: unknown, fallback: T): T {
    if (value === null || value === undefined) return fallback;
    if (typeof value === 'string') {
      try {
        return JSON.parse(value) as T;
      } catch {
        return fallback;
      }
    }
    return value as T;
  },
  bool: (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 't',
  time(value: unknown): string {
    if (value instanceof Date) return value.toISOString();
    return new Date(String(value)).toISOString();
  },
  timeOrNull(value: unknown): string | null {
    return value === null || value === undefined ? null : decode.time(value);
  },
  int(value: unknown): number {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    if (value === null || value === undefined) return 0;
    return Number(value);
  },
};
