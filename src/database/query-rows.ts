/**
 * The rows of an `em.query()` result. TypeORM answers UPDATE and DELETE with `[rows, rowCount]`
 * and every other command with the rows, so `… RETURNING` needs this to read both alike.
 */
export function rowsOf<T = Record<string, any>>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** The affected row count of an UPDATE or DELETE run through `em.query()`. */
export function affectedOf(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
