import { arrayItems, objectMembers, skipSpace, valueEnd, type Span } from './json-spans.js';
import { done, refuse, type Step } from '../refusal.js';

/** How a body's events are laid out: JSON (one value, an array, or values one after another) or NDJSON lines. */
export type BodyLayout = 'json' | 'ndjson';

const tooMany = (max: number) =>
  refuse<never>(413, 'too_many_events', `more than ${max} events in one request (GATEWAY_MAX_EVENTS_PER_REQUEST)`);
const notJson = (problem: string) => refuse<never>(400, 'not_json', `body is not valid JSON: ${problem}`);
const slices = (text: string, spans: Span[]) => spans.map(([start, end]) => text.slice(start, end));

/**
 * The events of a body, each as its own text: NDJSON by line (a bad line is that event's problem
 * alone), JSON as an array's items or as values one after another (one object, or NDJSON sent as
 * text/plain by sendBeacon). Refused: an empty body, broken JSON structure, too many events.
 */
export function splitEvents(text: string, layout: BodyLayout, maxEvents: number): Step<string[]> {
  if (layout === 'ndjson') {
    const lines = [];
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '') continue;
      if (lines.length === maxEvents) return tooMany(maxEvents);
      lines.push(trimmed);
    }
    return lines.length ? done(lines) : refuse(400, 'empty_body', 'body holds no event');
  }
  let at = skipSpace(text, 0);
  if (at === text.length) return refuse(400, 'empty_body', 'body holds no event');
  if (text[at] === '[') {
    const scan = arrayItems(text, at, maxEvents);
    if (!scan.ok) return notJson(scan.problem);
    if (scan.value.length > maxEvents) return tooMany(maxEvents);
    if (skipSpace(text, scan.end) !== text.length) return notJson(`text after the array at character ${skipSpace(text, scan.end)}`);
    if (scan.value.length === 0) return refuse(400, 'empty_body', 'body is an empty array');
    return done(slices(text, scan.value));
  }
  const spans: Span[] = [];
  while (at < text.length) {
    const end = valueEnd(text, at);
    if (end < 0 || end === at) return notJson(`a value at character ${at} never ends`);
    if (spans.length === maxEvents) return tooMany(maxEvents);
    spans.push([at, end]);
    at = skipSpace(text, end);
  }
  return done(slices(text, spans));
}

/** The items of a POST /v1/batch body, `{"events": [...]}`, each as its own text. */
export function splitBatch(text: string, maxEvents: number): Step<string[]> {
  const at = skipSpace(text, 0);
  if (at === text.length) return refuse(400, 'empty_body', 'body holds no event');
  if (text[at] !== '{') return refuse(400, 'bad_batch', 'body must be an object {"events": [{"kind", "key", "event"}, …]}');
  const top = objectMembers(text, at);
  if (!top.ok) return notJson(top.problem);
  if (skipSpace(text, top.end) !== text.length) return notJson(`text after the object at character ${skipSpace(text, top.end)}`);
  const events = top.value.get('events');
  if (!events || text[events[0]] !== '[')
    return refuse(
      400,
      'bad_batch',
      'body must be an object {"events": [{"kind", "key", "event"}, …]}: "events" is missing or not an array',
    );
  const scan = arrayItems(text, events[0], maxEvents);
  if (!scan.ok) return notJson(scan.problem);
  if (scan.value.length > maxEvents) return tooMany(maxEvents);
  if (scan.value.length === 0) return refuse(400, 'empty_body', '"events" is an empty array');
  return done(slices(text, scan.value));
}

/** The text of member `name` of an object's text (already known to be valid JSON), or undefined. */
export function memberText(text: string, name: string): string | undefined {
  const members = objectMembers(text, skipSpace(text, 0));
  const span = members.ok ? members.value.get(name) : undefined;
  return span && text.slice(span[0], span[1]);
}
