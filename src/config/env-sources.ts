import { readFileSync } from 'node:fs';
import { schema } from './schema.js';

/** The NATS CLI's names for settings Sift has under its own names: either may be set. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  NATS_CA: 'NATS_TLS_CA_FILE',
  NATS_CERT: 'NATS_TLS_CERT_FILE',
  NATS_KEY: 'NATS_TLS_KEY_FILE',
  NATS_NKEY: 'NATS_NKEY_SEED_FILE',
};

/** Suffix of the variable naming a file that holds a secret (the container convention: Docker and Kubernetes secrets are files). */
export const FILE_SUFFIX = '_FILE';

/** Environment variables of the schema's sensitive keys: each may come from <NAME>_FILE instead. */
export function secretEnvNames(node: unknown = schema): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const entry = node as Record<string, unknown>;
  if ('doc' in entry) return entry.sensitive === true && typeof entry.env === 'string' ? [entry.env] : [];
  return Object.values(entry).flatMap((child) => secretEnvNames(child));
}

/** Names Sift reads besides the schema's own: the aliases and every secret's _FILE variant. */
export function extraEnvNames(): string[] {
  return [...Object.keys(ENV_ALIASES), ...secretEnvNames().map((name) => name + FILE_SUFFIX)];
}

/** Two sources of one setting disagree, or a secret's file cannot be read: one line naming the variables. */
export class EnvSourceError extends Error {
  override name = 'EnvSourceError';
}

const isSet = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The environment as the schema reads it: an alias's value under Sift's name, a secret read from
 * its _FILE (trailing newlines trimmed: `echo secret > file` adds one). Two ways of setting one
 * thing must agree (aliases) or not both be used (secrets), else EnvSourceError.
 */
export function resolveEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const [alias, name] of Object.entries(ENV_ALIASES)) {
    const value = env[alias];
    if (!isSet(value)) continue;
    if (isSet(env[name]) && env[name] !== value) {
      throw new EnvSourceError(
        `${alias} (the NATS CLI's name) and ${name} are the same setting but differ (${JSON.stringify(value)} and ${JSON.stringify(env[name])}): set one of them`,
      );
    }
    resolved[name] = value;
  }
  for (const name of secretEnvNames()) {
    const fileVar = name + FILE_SUFFIX;
    const path = env[fileVar];
    if (!isSet(path)) continue;
    if (isSet(env[name])) throw new EnvSourceError(`${name} and ${fileVar} are both set: give the secret one way`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new EnvSourceError(
        `${fileVar} = ${JSON.stringify(path)}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read'}`,
      );
    }
    resolved[name] = text.replace(/[\r\n]+$/, '');
  }
  return resolved;
}
