import type { ClickHouseClient } from '@clickhouse/client';

/** The real client, but an insert fails like a refused connection whenever `fail()` says so. */
export function faultyInserts(client: ClickHouseClient, fail: () => boolean): ClickHouseClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'insert') return Reflect.get(target, property, receiver);
      return async (params: Parameters<ClickHouseClient['insert']>[0]) => {
        if (fail()) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
        return target.insert(params);
      };
    },
  });
}
