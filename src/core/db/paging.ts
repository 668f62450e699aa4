/** A page of a list in its order: at most `limit` rows, those after the row `after` names. */
export interface Page {
  after?: string;
  limit?: number;
}

/** The tables that come in pages; each has a rowid (no WITHOUT ROWID table), which breaks ties in order. */
type PagedTable = 'engines' | 'grants' | 'grant_requests' | 'maintenance_windows';

/**
 * What follows `WHERE` in a paged list of `table` in `order` (a column): the filters that are set, equal to their
 * values, then the page. Table, order and filter columns are names from code, never from a request; values are bound.
 * Values come back in a plain object: better-sqlite3 refuses the null-prototype objects Fastify parses query strings into.
 */
export function pagedWhere(
  table: PagedTable,
  order: 'created_at' | 'starts_at',
  filters: Record<string, string | undefined>,
  page: Page,
): { sql: string; params: Record<string, string | number> } {
  const conditions = ['1 = 1'];
  const params: Record<string, string | number> = { limit: page.limit ?? -1 };
  for (const [column, value] of Object.entries(filters)) {
    if (!value) continue;
    conditions.push(`${column} = @${column}`);
    params[column] = value;
  }
  if (page.after) {
    // rowid breaks ties, so a page never skips or repeats a row that sorts level with another.
    conditions.push(`(${order}, rowid) > (SELECT ${order}, rowid FROM ${table} WHERE id = @after)`);
    params.after = page.after;
  }
  return { sql: `${conditions.join(' AND ')} ORDER BY ${order}, rowid LIMIT @limit`, params };
}
