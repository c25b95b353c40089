import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';

/** `hours`, a whole number of hours back from now, from 1 to `max` (24 when not given). */
export const hoursParameter = (max: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: 24, description: `Hours back from now: an integer from 1 to ${max} (default 24).` });

/** An optional filter on a view's text column; empty (the default) means every value. */
export const filterParameter = (what: string) =>
  Type.String({
    maxLength: 256,
    default: '',
    description: `Only this ${what}; empty or absent means every ${what} (at most 256 characters).`,
  });

/** What a parameter must be, in words, from its schema: "an integer from 1 to 168". */
export function expectation(schema: TSchema): string {
  if (schema.type === 'integer') return `an integer from ${schema.minimum} to ${schema.maximum}`;
  if (schema.type === 'string') {
    const min = (schema.minLength as number | undefined) ?? 0;
    return min > 0 ? `a string of ${min} to ${schema.maxLength} characters` : `a string of at most ${schema.maxLength} characters`;
  }
  return `of type ${String(schema.type)}`;
}

/**
 * The 400 message of a request whose parameters break the route's schema, naming the parameter and
 * its range: `hours must be an integer from 1 to 168`. Fastify answers it with status 400.
 */
export function parameterError(schemas: { querystring?: TObject; params?: TObject }) {
  return (errors: FastifySchemaValidationError[], dataVar: string): Error => {
    const schema = dataVar === 'params' ? schemas.params : schemas.querystring;
    const messages = errors.map((error) => {
      const name = error.instancePath.replace(/^\//, '') || String((error.params as { missingProperty?: string }).missingProperty ?? '');
      const property = schema?.properties[name];
      return property ? `${name} must be ${expectation(property)}` : `${name || dataVar} ${error.message ?? 'is not valid'}`;
    });
    return new Error([...new Set(messages)].join('; '));
  };
}

/**
 * The query string's integers as digits only: Fastify's coercion would take `0x10` or `1e2` as a
 * number, which no dashboard means. Runs before validation, on the raw text.
 */
export function digitsOnly(querystring: TObject | undefined) {
  const integers = Object.entries(querystring?.properties ?? {}).filter(([, schema]) => schema.type === 'integer');
  return async (request: FastifyRequest): Promise<void> => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    for (const [name, schema] of integers) {
      const value = query[name];
      if (typeof value === 'string' && !/^[0-9]+$/.test(value)) {
        throw Object.assign(new Error(`${name} must be ${expectation(schema)}`), { code: 'FST_ERR_VALIDATION', statusCode: 400 });
      }
    }
  };
}
