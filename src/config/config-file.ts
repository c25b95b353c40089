import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** A config file's settings, or one line saying what is wrong with it (the caller names the file). */
export type ConfigFileRead = { ok: true; values: Record<string, unknown> } | { ok: false; problem: string };

/**
 * Reads a config file: `.json` as JSON, anything else (`.yaml`, `.yml`) as YAML, which also reads
 * JSON. The file must hold a mapping of settings, nested as the configuration reference shows them.
 */
export function readConfigFile(path: string): ConfigFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read' };
  }
  const json = extname(path).toLowerCase() === '.json';
  let values: unknown;
  try {
    values = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The parsers' first line says where (YAML: line and column; JSON: position); the rest is a code excerpt.
    return {
      ok: false,
      problem: `not valid ${json ? 'JSON' : 'YAML'}: ${String((error as Error).message)
        .split('\n')[0]!
        .trim()
        .replace(/:$/, '')}`,
    };
  }
  if (values === null || values === undefined) return { ok: true, values: {} };
  if (typeof values !== 'object' || Array.isArray(values))
    return { ok: false, problem: 'must hold a mapping of settings (e.g. nats: {url: …}), not a single value or a list' };
  return { ok: true, values: values as Record<string, unknown> };
}
