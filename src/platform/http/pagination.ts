export const MAX_LIMIT = 500;
export const MAX_OFFSET = 1_000_000;

export interface Page {
  limit: number;
  offset: number;
}

/** Clamps client paging: limits are never trusted (1–500), offsets are bounded. */
export function clampPage(
  query: { limit?: number | undefined; offset?: number | undefined },
  defaultLimit = 50,
): Page {
  const limit = Number.isFinite(query.limit) ? Math.trunc(query.limit!) : defaultLimit;
  const offset = Number.isFinite(query.offset) ? Math.trunc(query.offset!) : 0;
  return {
    limit: Math.min(MAX_LIMIT, Math.max(1, limit)),
    offset: Math.min(MAX_OFFSET, Math.max(0, offset)),
  };
}

export function pageOf<T>(items: T[], page: Page, total: number) {
  return { items, pagination: { limit: page.limit, offset: page.offset, total } };
}
