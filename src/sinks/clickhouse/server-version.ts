import type { ClickHouseClient } from '@clickhouse/client';

/** A ClickHouse server older than Sift needs, named with both versions and what it lacks. */
export class ClickHouseTooOldError extends Error {
  override name = 'ClickHouseTooOldError';
}

/** What Sift relies on in the server, each with the first release that has it, oldest first. */
export const SERVER_REQUIREMENTS: ReadonlyArray<{ since: string; feature: string }> = [
  { since: '19.11', feature: 'query parameters ({name:Type})' },
  { since: '21.11', feature: 'the async_insert setting (every insert turns it off)' },
  { since: '22.1', feature: 'comments on views' },
  { since: '22.2', feature: 'insert_deduplication_token (a retried batch is stored once)' },
  { since: '23.1', feature: 'parameterized views' },
  { since: '23.7', feature: "dateDiff('millisecond', …)" },
  { since: '24.8', feature: "the oldest server Sift's ClickHouse client supports (clickhouse-js 1.12 and later)" },
];

/** The oldest server with everything above. */
export const MIN_SERVER_VERSION = SERVER_REQUIREMENTS.at(-1)!.since;

/** [major, minor] of "24.8.4.13" or "18.16.1"; undefined for anything else. */
export function parseVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const older = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** The requirements a server of this version lacks (none for a version that cannot be read: it is not refused on a guess). */
export function missingFeatures(version: string): string[] {
  const have = parseVersion(version);
  if (!have) return [];
  return SERVER_REQUIREMENTS.filter((r) => older(have, parseVersion(r.since)!)).map((r) => `${r.since} ${r.feature}`);
}

/** One line naming the server, its version, the version Sift needs and what is missing; undefined when new enough. */
export function tooOldMessage(where: string, version: string): string | undefined {
  const missing = missingFeatures(version);
  if (missing.length === 0) return undefined;
  return `${where} is version ${version.trim()}; Sift needs ${MIN_SERVER_VERSION} or newer. It lacks what these releases added: ${missing.join('; ')}`;
}

/**
 * Asks the server its version before anything else is sent: an older one fails in one line here,
 * not later as "Unknown setting param_db" from the first query that uses a newer feature.
 */
export async function checkServerVersion(client: ClickHouseClient, where: string): Promise<string> {
  // No parameters and no settings: the oldest servers answer this too.
  const version = (await (await client.query({ query: 'SELECT version()', format: 'TabSeparated' })).text()).trim();
  const problem = tooOldMessage(where, version);
  if (problem) throw new ClickHouseTooOldError(problem);
  return version;
}
