/** Dead-letter reasons the message contract itself can give (a subset of the pipeline's). */
export type ContractReason = 'not_json' | 'schema' | 'non_finite' | 'ts_out_of_range' | 'bad_key' | 'value_out_of_range';

/** A contract check's outcome: the value, or why the input breaks the contract. */
export type Verdict<T> = { ok: true; value: T } | { ok: false; reason: ContractReason; detail: string };

export const accepted = <T>(value: T): Verdict<T> => ({ ok: true, value });
export const rejected = <T = never>(reason: ContractReason, detail: string): Verdict<T> => ({ ok: false, reason, detail });

/** Input quoted in a detail: JSON-escaped (no control characters, no lone surrogates) and cut short. */
export function quote(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Control characters and lone surrogates of input (e.g. keys in a path) as \uXXXX, so a detail is a safe header value. */
export function safeText(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
