// Writes config/default.json from the schema's defaults (run after a build); a test keeps them equal.
import convict from 'convict';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schema } from '../dist/config/schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, 'config', 'default.json'), JSON.stringify(convict(schema, { env: {}, args: [] }).getProperties(), null, 2) + '\n');
console.log('wrote config/default.json');
