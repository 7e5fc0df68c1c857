import { ToolError } from '@mcpgw/worker-kit';

/** Statements `query` accepts: they read. The database enforces read-only anyway; this gives a clear error first. */
const QUERY_KEYWORDS = new Set(['select', 'with', 'values', 'table', 'show']);
/** Statements `explain` accepts: it plans them without running them. */
const EXPLAIN_KEYWORDS = new Set(['select', 'with', 'values', 'table', 'insert', 'update', 'delete', 'merge']);

/**
 * The first keyword of a statement, after comments, whitespace and opening parentheses.
 * Returns '' when there is none.
 */
export function firstKeyword(sql: string): string {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '(' || ch === '\f') {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
    } else {
      break;
    }
  }
  const match = /^[A-Za-z_]+/.exec(sql.slice(i, i + 32));
  return match ? match[0].toLowerCase() : '';
}

/** Refuses statements that are not reads, before they reach the database. */
export function assertReadStatement(sql: string): void {
  const keyword = firstKeyword(sql);
  if (!QUERY_KEYWORDS.has(keyword)) {
    throw new ToolError(
      'rejected',
      keyword
        ? `only read statements are allowed (SELECT, WITH, VALUES, TABLE, SHOW); got ${keyword.toUpperCase()}`
        : 'the query is empty; send one SELECT statement',
    );
  }
}

/** Refuses what EXPLAIN cannot plan (or what would smuggle in options such as ANALYZE). */
export function assertExplainable(sql: string): void {
  const keyword = firstKeyword(sql);
  if (!EXPLAIN_KEYWORDS.has(keyword)) {
    throw new ToolError(
      'rejected',
      keyword
        ? `explain plans SELECT, WITH, VALUES, TABLE, INSERT, UPDATE, DELETE or MERGE statements; got ${keyword.toUpperCase()}`
        : 'the statement is empty',
    );
  }
}
