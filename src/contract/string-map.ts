/** A free-form object (metadata, properties, context) as a Map(String, String) column: strings as they are, any other value as its JSON text. */
export function toStringMap(object: Record<string, unknown> | undefined): Record<string, string> {
  // No prototype: a key named __proto__ is then an ordinary entry, not the object's prototype.
  const map = Object.create(null) as Record<string, string>;
  if (!object) return map;
  for (const key of Object.keys(object)) {
    const value = object[key];
    map[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return map;
}
