/** The read routes' settings, for the gateway's section of the schema. */
export const queriesConfig = {
  queryCacheTtlMs: {
    doc: "How long the gateway serves a read route's answer (per route and parameters) before asking ClickHouse again; concurrent identical requests share one query. 0 turns the cache off.",
    format: 'non-negative-int',
    default: 5_000,
    env: 'GATEWAY_QUERY_CACHE_TTL_MS',
  },
};
