import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

/** One query of docs/analyst-guide.md: the SQL block that follows a `<!-- query: name -->` line. */
export interface GuideQuery {
  name: string;
  sql: string;
}

export function guideQueries(path = join(packageRoot, 'docs', 'analyst-guide.md')): Map<string, GuideQuery> {
  const text = readFileSync(path, 'utf8');
  const queries = new Map<string, GuideQuery>();
  for (const m of text.matchAll(/<!-- query: ([\w-]+) -->\s*```sql\n([\s\S]*?)```/g)) {
    const name = m[1]!;
    if (queries.has(name)) throw new Error(`docs/analyst-guide.md names query "${name}" twice`);
    queries.set(name, { name, sql: m[2]!.trim() });
  }
  return queries;
}

/** The guide's query by name; a test that names a query the guide lacks fails here. */
export function guideQuery(name: string): string {
  const query = guideQueries().get(name);
  if (!query) throw new Error(`docs/analyst-guide.md has no query "${name}"`);
  return query.sql;
}
