import { DeviceMetricsMessage } from './metrics/schema.js';

/** Every published message schema, by file name under schemas/. */
export const publishedSchemas: Record<string, object> = {
  'device-metrics.schema.json': { $schema: 'https://json-schema.org/draft/2020-12/schema', ...DeviceMetricsMessage },
};

export function schemaText(schema: object): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
