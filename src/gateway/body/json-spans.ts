/**
 * Where the values of a JSON text begin and end, found without parsing them: each event of a
 * request is then judged on its own bytes, exactly as the worker will read them. The spans are
 * only as valid as their text; each slice is parsed later, strictly, by the contract's parser.
 */
export type Span = readonly [start: number, end: number];

const QUOTE = 34;
const BACKSLASH = 92;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

export function skipSpace(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** Index just past the string whose opening quote is at `at`, or -1 when it never closes. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Index just past the value starting at `at` (string, object, array or scalar), or -1 when it never ends. */
export function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        const end = stringEnd(text, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = at;
  while (i < text.length && !isSpace(text.charCodeAt(i)) && !',]}'.includes(text[i]!)) i++;
  return i;
}

/** A scan's outcome: spans and where the scan ended, or what broke it. */
export type Scan<T> = { ok: true; value: T; end: number } | { ok: false; problem: string };

const broken = (problem: string): Scan<never> => ({ ok: false, problem });

/** The items of the array whose `[` is at `at`, stopping once there are more than `max`. */
export function arrayItems(text: string, at: number, max: number): Scan<Span[]> {
  const items: Span[] = [];
  let i = skipSpace(text, at + 1);
  if (text[i] === ']') return { ok: true, value: items, end: i + 1 };
  for (;;) {
    i = skipSpace(text, i);
    const end = i < text.length ? valueEnd(text, i) : -1;
    if (end < 0 || end === i) return broken(`an array item at character ${i} never ends`);
    items.push([i, end]);
    if (items.length > max) return { ok: true, value: items, end };
    i = skipSpace(text, end);
    if (text[i] === ',') i++;
    else if (text[i] === ']') return { ok: true, value: items, end: i + 1 };
    else return broken(`expected , or ] at character ${i}`);
  }
}

/** The members of the object whose `{` is at `at`, by key; a repeated key is a problem (the worker refuses them). */
export function objectMembers(text: string, at: number): Scan<Map<string, Span>> {
  const members = new Map<string, Span>();
  let i = skipSpace(text, at + 1);
  if (text[i] === '}') return { ok: true, value: members, end: i + 1 };
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] !== '"') return broken(`expected a key at character ${i}`);
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return broken(`a key at character ${i} never ends`);
    let key: string;
    try {
      key = JSON.parse(text.slice(i, keyEnd)) as string;
    } catch {
      return broken(`the key at character ${i} is not a valid JSON string`);
    }
    if (members.has(key)) return broken(`key ${JSON.stringify(key)} appears twice`);
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') return broken(`expected : at character ${i}`);
    i = skipSpace(text, i + 1);
    const end = i < text.length ? valueEnd(text, i) : -1;
    if (end < 0 || end === i) return broken(`the value of ${JSON.stringify(key)} never ends`);
    members.set(key, [i, end]);
    i = skipSpace(text, end);
    if (text[i] === ',') i++;
    else if (text[i] === '}') return { ok: true, value: members, end: i + 1 };
    else return broken(`expected , or } at character ${i}`);
  }
}
