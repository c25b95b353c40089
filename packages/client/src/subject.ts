import { publishKeyProblem } from '../../../src/contract/subject-key.js';
import { hasLoneSurrogate } from './validate/text.js';

/** Why `key` cannot be one subject token the worker will store, or undefined when it is fine. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `key must be a string, got ${typeof key}`;
  const problem = publishKeyProblem(key);
  if (problem) return problem;
  // Encoded for the subject, a lone surrogate becomes U+FFFD, which the worker refuses as a key.
  if (hasLoneSurrogate(key)) return `subject key ${JSON.stringify(key)} is not valid UTF-8 (a lone surrogate)`;
  return undefined;
}

export const subjectOf = (prefix: string, kind: string, key: string) => `${prefix}.${kind}.${key}`;
