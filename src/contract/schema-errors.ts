import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { safeText } from './verdict.js';

/** Splits a JSON Pointer (TypeBox escapes "/" in keys as ~1) into the object holding the key and the key. */
function splitKeyPath(path: string): { parent: string; key: string } {
  const cut = path.lastIndexOf('/');
  return {
    parent: path.slice(0, cut) || '/',
    key: path
      .slice(cut + 1)
      .replace(/~1/g, '/')
      .replace(/~0/g, '~'),
  };
}

/**
 * One line saying what is wrong with a value against its schema: the path and TypeBox's message,
 * except that an unexpected property is named with what would have been allowed there.
 */
export function describeSchemaError(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const { parent, key } = splitKeyPath(error.path);
    const schema = error.schema as {
      properties?: Record<string, unknown>;
      patternProperties?: Record<string, unknown>;
      description?: string;
    };
    if (schema.properties) {
      return safeText(`${parent}: unexpected property ${JSON.stringify(key)} (allowed: ${Object.keys(schema.properties).join(', ')})`);
    }
    const rule = schema.description
      ? `; ${schema.description}`
      : ` (must match ${Object.keys(schema.patternProperties ?? {}).join(' or ')})`;
    return safeText(`${parent}: name ${JSON.stringify(key)} is not allowed${rule}`);
  }
  if (error.type === ValueErrorType.Union) {
    // A union of literals is an enumeration: say which values are allowed, not "Expected union value".
    const options = (error.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf ?? [];
    if (options.length > 0 && options.every((o) => o.const !== undefined)) {
      return safeText(
        `${error.path || '/'}: ${JSON.stringify(error.value)} is not one of ${options.map((o) => JSON.stringify(o.const)).join(', ')}`,
      );
    }
  }
  return safeText(`${error.path || '/'}: ${error.message}`);
}
