import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { guideQueries } from '../../test/helpers/analyst-guide.js';

describe('docs/analyst-guide.md', () => {
  it('has every query run and checked by an integration test (guideQuery("name"))', () => {
    const dir = join(packageRoot, 'test', 'integration');
    const tests = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const names = [...guideQueries().keys()];
    expect(names.length).toBeGreaterThan(0);
    const unchecked = names.filter((name) => !tests.includes(`guideQuery('${name}')`));
    expect(unchecked).toEqual([]);
  });
});
