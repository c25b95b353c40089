import { guideQueries } from '../../src/docs/analyst-guide.js';

export { guideQueries };

/** The guide's query by name; a test that names a query the guide lacks fails here. */
export function guideQuery(name: string): string {
  const query = guideQueries().get(name);
  if (!query) throw new Error(`docs/analyst-guide.md has no query "${name}"`);
  return query.sql;
}
