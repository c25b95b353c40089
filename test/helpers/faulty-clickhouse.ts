import type { ClickHouseClient } from '@clickhouse/client';

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });

/** ClickHouse's answer to rows it cannot parse: bad data, never retried. */
export const unparsable = (): Error => Object.assign(new Error('Code: 27. DB::Exception: Cannot parse input'), { code: '27' });

/** An error code Sift's classifier does not know (its class is `server`): retried until the server proves healthy. */
export const unknownCode = (): Error =>
  Object.assign(new Error('Code: 999. DB::Exception: Something only these rows cause'), { code: '999' });

type InsertParams = Parameters<ClickHouseClient['insert']>[0];

/** The real client, but an insert fails (by default like a refused connection) whenever `fail(params)` says so. */
export function faultyInserts(
  client: ClickHouseClient,
  fail: (params: InsertParams) => boolean,
  error: () => Error = refused,
): ClickHouseClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'insert') return Reflect.get(target, property, receiver);
      return async (params: InsertParams) => {
        if (fail(params)) throw error();
        return target.insert(params);
      };
    },
  });
}
