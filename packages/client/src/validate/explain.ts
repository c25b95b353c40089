import { pointer, shown } from './text.js';

/** The subset of JSON Schema (2020-12) that Sift's kind schemas use. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  const?: unknown;
  enum?: readonly unknown[];
  anyOf?: readonly JsonSchema[];
  description?: string;
  /** Other keywords ($id, title, default, …) carry no rule the SDK checks. */
  readonly [keyword: string]: unknown;
}

/** The first way `value` breaks `schema`, as { path, problem }, or undefined when it conforms. */
export function explain(schema: JsonSchema, value: unknown, path = '/'): { path: string; problem: string } | undefined {
  const fail = (problem: string) => ({ path, problem });
  if (schema.anyOf) {
    const failures = schema.anyOf.map((branch) => explain(branch, value, path));
    if (failures.some((f) => f === undefined)) return undefined;
    // The branch of the value's own type says most; else list what would have been accepted.
    const sameType = schema.anyOf.findIndex((b) => b.type !== undefined && typeMatches(b.type, value));
    if (sameType >= 0 && schema.anyOf.filter((b) => b.type !== undefined && typeMatches(b.type, value)).length === 1)
      return failures[sameType];
    return fail(`${shown(value)} is none of: ${schema.anyOf.map(describe).join(' | ')}`);
  }
  if (schema.const !== undefined && value !== schema.const) return fail(`${shown(value)} is not ${shown(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) return fail(`${shown(value)} is not one of ${schema.enum.map(shown).join(', ')}`);
  if (schema.type && !typeMatches(schema.type, value)) {
    if (typeof value === 'number' && !Number.isFinite(value)) return fail(`${shown(value)} is not a finite number`);
    return fail(`expected ${schema.type}, got ${shown(value)}`);
  }
  if (typeof value === 'string') return explainString(schema, value, path);
  if (typeof value === 'number') return explainNumber(schema, value, path);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return fail(`needs at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      return fail(`holds ${value.length} items (at most ${schema.maxItems})`);
    if (schema.items)
      for (let i = 0; i < value.length; i++) {
        const found = explain(schema.items, value[i], pointer(path, i));
        if (found) return found;
      }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) return explainObject(schema, value as Record<string, unknown>, path);
  return undefined;
}

function explainObject(schema: JsonSchema, value: Record<string, unknown>, path: string) {
  const fail = (problem: string) => ({ path, problem });
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  for (const name of schema.required ?? []) if (value[name] === undefined) return fail(`missing required property ${JSON.stringify(name)}`);
  if (schema.minProperties !== undefined && keys.length < schema.minProperties)
    return fail(`needs at least ${schema.minProperties} properties`);
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties)
    return fail(`holds ${keys.length} properties (at most ${schema.maxProperties})`);
  for (const key of keys) {
    const declared = schema.properties?.[key];
    const patterned = Object.entries(schema.patternProperties ?? {}).filter(([p]) => new RegExp(p, 'u').test(key));
    if (declared) {
      const found = explain(declared, value[key], pointer(path, key));
      if (found) return found;
    }
    for (const [, sub] of patterned) {
      const found = explain(sub, value[key], pointer(path, key));
      if (found) return found;
    }
    if (declared || patterned.length > 0) continue;
    if (schema.additionalProperties === false) {
      if (schema.properties)
        return fail(`unexpected property ${JSON.stringify(key)} (allowed: ${Object.keys(schema.properties).join(', ')})`);
      const rule = schema.description
        ? `; ${schema.description}`
        : ` (must match ${Object.keys(schema.patternProperties ?? {}).join(' or ')})`;
      return fail(`name ${JSON.stringify(key)} is not allowed${rule}`);
    }
    if (typeof schema.additionalProperties === 'object') {
      const found = explain(schema.additionalProperties, value[key], pointer(path, key));
      if (found) return found;
    }
  }
  return undefined;
}

function explainString(schema: JsonSchema, value: string, path: string) {
  const fail = (problem: string) => ({ path, problem });
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength)
    return fail(`${shown(value)} is shorter than ${schema.minLength} characters`);
  if (schema.maxLength !== undefined && length > schema.maxLength)
    return fail(`is ${length} characters long (at most ${schema.maxLength})`);
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    return fail(`${shown(value)} does not match ${schema.description ? schema.description.replace(/\.$/, '') : schema.pattern}`);
  }
  return undefined;
}

function explainNumber(schema: JsonSchema, value: number, path: string) {
  const fail = (problem: string) => ({ path, problem });
  if (schema.minimum !== undefined && value < schema.minimum) return fail(`${value} is below the minimum ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) return fail(`${value} is above the maximum ${schema.maximum}`);
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
    return fail(`${value} must be above ${schema.exclusiveMinimum}`);
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
    return fail(`${value} must be below ${schema.exclusiveMaximum}`);
  if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) return fail(`${value} is not a multiple of ${schema.multipleOf}`);
  return undefined;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return true;
  }
}

function describe(schema: JsonSchema): string {
  if (schema.const !== undefined) return shown(schema.const);
  if (schema.description) return `${schema.type ?? 'value'} (${schema.description.replace(/\.$/, '')})`;
  return schema.type ?? 'value';
}
