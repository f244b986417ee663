export interface Pagination {
  limit: number;
  offset: number;
  total: number;
}

export interface Page<T> {
  items: T[];
  pagination: Pagination;
}

export interface PaginateOptions {
  /** Items per request (the server clamps to 1–500). Default 100. */
  pageSize?: number;
  /** Where to start. Default 0. */
  offset?: number;
  /** Stop after this many items. */
  max?: number;
}

/**
 * Every item of an `{ items, pagination }` list, fetching pages as the caller consumes.
 * Follows the server's `offset + items.length`, so a clamped page size still walks every item.
 */
export async function* paginate<T>(
  fetchPage: (page: { limit: number; offset: number }) => Promise<Page<T>>,
  options: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  const limit = options.pageSize ?? 100;
  let offset = options.offset ?? 0;
  let yielded = 0;
  for (;;) {
    const page = await fetchPage({ limit, offset });
    for (const item of page.items) {
      if (options.max !== undefined && yielded >= options.max) return;
      yield item;
      yielded++;
    }
    offset = page.pagination.offset + page.items.length;
    if (page.items.length === 0 || offset >= page.pagination.total) return;
  }
}

/** Collects an async iterator (a convenience for scripts that want an array). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
