import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** One query of docs/analyst-guide.md: the SQL block that follows a `<!-- query: name -->` line. */
export interface GuideQuery {
  name: string;
  sql: string;
}

/** The guide's queries by name (the test suite runs each; the demo prints a few). */
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
