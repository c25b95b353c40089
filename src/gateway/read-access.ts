import type { preHandlerHookHandler } from 'fastify';
import type { ClickHouseClient } from '../sinks/clickhouse/client.js';
import { authenticate, readAccess } from './auth.js';
import type { KeyDirectory } from './keys/key-directory.js';
import { sendRefusal } from './refusal.js';

/**
 * The preHandler of the read routes (src/gateway/queries): 401 without a valid key, 403 for a key
 * without read rights; browser keys never have them.
 */
export function requireRead(keys: KeyDirectory): preHandlerHookHandler {
  return (request, reply, next) => {
    const auth = authenticate(request, keys);
    const access = auth.ok ? readAccess(auth.value) : auth;
    if (!access.ok) {
      void sendRefusal(reply, access.refusal);
      return;
    }
    next();
  };
}

/**
 * Runs a fixed read-only statement with bound parameters on Sift's database, for the read routes.
 * `client` is opened on first use (a stand-alone gateway that serves no reads never opens ClickHouse).
 */
export function readQuery(client: () => Promise<ClickHouseClient>) {
  return async <T = Record<string, unknown>>(sql: string, params: Record<string, unknown>): Promise<T[]> => {
    const result = await (await client()).query({
      query: sql,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { readonly: '1', output_format_json_quote_64bit_integers: 0 },
    });
    return result.json<T>();
  };
}
