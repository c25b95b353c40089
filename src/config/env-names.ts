import { schema } from './schema.js';

/** Every environment variable the convict schema reads, found by walking it for `env`. */
export function schemaEnvNames(node: object = schema): Set<string> {
  const names = new Set<string>();
  for (const value of Object.values(node)) {
    if (value === null || typeof value !== 'object') continue;
    if ('env' in value && typeof value.env === 'string') names.add(value.env);
    else for (const name of schemaEnvNames(value)) names.add(name);
  }
  return names;
}
