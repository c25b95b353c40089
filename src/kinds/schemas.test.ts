import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { publishedSchemas, schemaText } from './schemas.js';

describe('published JSON Schemas', () => {
  it.each(Object.keys(publishedSchemas))('schemas/%s matches the validator the worker uses (npm run schemas)', (file) => {
    expect(readFileSync(join(packageRoot, 'schemas', file), 'utf8')).toBe(schemaText(publishedSchemas[file]!));
  });
});
