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

// The configuration reference's table (docs/configuration.md), between its markers.
const { configTable, CONFIG_TABLE_START, CONFIG_TABLE_END } = await import('../dist/config/docs.js');
const referencePath = join(root, 'docs', 'configuration.md');
const { readFileSync } = await import('node:fs');
const reference = readFileSync(referencePath, 'utf8');
const start = reference.indexOf(CONFIG_TABLE_START);
const end = reference.indexOf(CONFIG_TABLE_END);
if (start < 0 || end < 0) throw new Error('docs/configuration.md lacks the config-table markers');
writeFileSync(referencePath, reference.slice(0, start + CONFIG_TABLE_START.length) + '\n' + configTable() + '\n' + reference.slice(end));
console.log('wrote the configuration table in docs/configuration.md');
