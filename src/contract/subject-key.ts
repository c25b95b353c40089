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
