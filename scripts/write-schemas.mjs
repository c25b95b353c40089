// Writes the message JSON Schemas from their TypeBox definitions into schemas/ (run after a build).
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishedSchemas, schemaText } from '../dist/kinds/schemas.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [file, schema] of Object.entries(publishedSchemas)) {
  writeFileSync(join(root, 'schemas', file), schemaText(schema));
  console.log(`wrote schemas/${file}`);
}
