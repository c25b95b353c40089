/**
 * C0 controls, DEL, C1 controls, and U+FFFD: the NATS client decodes subjects without `fatal`, so
 * bytes that are not UTF-8 reach us as U+FFFD (d\xffv arrives as "d\ufffdv" and would merge with
 * any other device whose bad byte differs). A key that really contains U+FFFD is refused too:
 * the two cannot be told apart once decoded.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

/**
 * Why a subject key (the device id) cannot be stored, or undefined when it is fine. Pure, for
 * every kind: a key must be valid UTF-8 without control characters.
 */
export function checkKey(key: string): string | undefined {
  const found = UNSAFE.exec(key);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0);
  const at = `at character ${found.index} of key ${JSON.stringify(key)}`;
  if (code === 0xfffd) return `subject key is not valid UTF-8 (or holds U+FFFD) ${at}`;
  return `subject key holds control character U+${code.toString(16).toUpperCase().padStart(4, '0')} ${at}`;
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
