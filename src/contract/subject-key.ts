/**
 * C0 controls, DEL, C1 controls, and U+FFFD: the NATS client decodes subjects without `fatal`, so
 * bytes that are not UTF-8 reach us as U+FFFD (d\xffv arrives as "d\ufffdv" and would merge with
 * any other device whose bad byte differs). A key that really contains U+FFFD is refused too:
 * the two cannot be told apart once decoded.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

/** Characters a single literal subject token cannot hold: whitespace ends a subject, a dot starts another token. */
const NOT_ONE_TOKEN = /[ .]/;

/**
 * Why a subject key (the device id) cannot be stored, or undefined when it is fine. Pure, for
 * every kind: a key must be one literal subject token (not empty, not the wildcard `*` or `>`,
 * no space or dot) of valid UTF-8 without control characters.
 */
export function checkKey(key: string): string | undefined {
  if (key === '') return 'subject key is empty';
  // Published literally, "*" and ">" are stored as is: the stream cannot partition them, and as
  // a subject to publish to they would name every key.
  if (key === '*' || key === '>') return `subject key ${JSON.stringify(key)} is a wildcard, not a key`;
  const found = UNSAFE.exec(key);
  if (found) {
    const code = found[0].charCodeAt(0);
    const at = `at character ${found.index} of key ${JSON.stringify(key)}`;
    if (code === 0xfffd) return `subject key is not valid UTF-8 (or holds U+FFFD) ${at}`;
    return `subject key holds control character U+${code.toString(16).toUpperCase().padStart(4, '0')} ${at}`;
  }
  const split = NOT_ONE_TOKEN.exec(key);
  if (split)
    return `subject key holds ${split[0] === ' ' ? 'a space' : 'a dot'} at character ${split.index} of key ${JSON.stringify(key)}: it is not one subject token`;
  return undefined;
}

/** Longest key a producer may publish under (the SDK's limit too). */
export const MAX_PUBLISH_KEY_LENGTH = 256;
const NOT_IN_A_TOKEN = /[.*>\s]/;

/**
 * Why `key` cannot be the key token of a subject a producer publishes to, or undefined: checkKey's
 * rules plus those of one subject token (not empty, no dot, wildcard or whitespace, at most 256
 * characters), so it can neither change the subject's shape nor be stored under another key.
 */
export function publishKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'subject key is empty';
  if (key.length > MAX_PUBLISH_KEY_LENGTH) return `subject key is ${key.length} characters long, at most ${MAX_PUBLISH_KEY_LENGTH}`;
  const found = NOT_IN_A_TOKEN.exec(key);
  if (found) {
    const what = found[0] === '.' ? 'a dot' : found[0] === '*' || found[0] === '>' ? `the wildcard ${found[0]}` : 'whitespace';
    return `subject key ${JSON.stringify(key)} holds ${what} at character ${found.index}; a key is one subject token`;
  }
  return checkKey(key);
}
