import { kinds } from './registry.js';

/** Every published message schema, by file name under schemas/. */
export const publishedSchemas: Record<string, object> = Object.fromEntries(
  kinds.map((kind) => [kind.schemaFile, { $schema: 'https://json-schema.org/draft/2020-12/schema', ...kind.schema }]),
);

export function schemaText(schema: object): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
