import { describe, expect, it } from 'vitest';
import { ClusterDdlError, clusterMigrations, clusterStatement, shardingKey } from './cluster-ddl.js';

const target = { cluster: 'sift', database: 'telemetry' };
const known = new Set(['readings', 'feed', 'hourly']);
const rewrite = (statement: string, tables: ReadonlySet<string> = known) =>
  clusterStatement(statement, target, tables, 'metrics/0009_test');

describe('clusterStatement: each statement shape', () => {
  const cases: Array<{ shape: string; input: string; output: string[]; table?: string }> = [
    {
      shape: 'MergeTree table: replicated local table and a Distributed one sharded by device',
      input:
        "CREATE TABLE IF NOT EXISTS telemetry.readings (ts DateTime64(3, 'UTC') COMMENT 'time (UTC)', device_id String, value Float64) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (device_id, ts) SETTINGS non_replicated_deduplication_window = 1000 COMMENT 'raw readings'",
      output: [
        "CREATE TABLE IF NOT EXISTS telemetry.readings_local ON CLUSTER 'sift' (ts DateTime64(3, 'UTC') COMMENT 'time (UTC)', device_id String, value Float64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/telemetry/readings_local', '{replica}') PARTITION BY toYYYYMM(ts) ORDER BY (device_id, ts) SETTINGS replicated_deduplication_window = 1000 COMMENT 'raw readings'",
        "CREATE TABLE IF NOT EXISTS telemetry.readings ON CLUSTER 'sift' AS telemetry.readings_local ENGINE = Distributed('sift', 'telemetry', 'readings_local', cityHash64(device_id)) COMMENT 'raw readings'",
      ],
      table: 'readings',
    },
    {
      shape: 'engine with arguments keeps them after the path and replica; no device_id: first ORDER BY column',
      input: 'CREATE TABLE telemetry.latest (version UInt64, site String) ENGINE = ReplacingMergeTree(version) ORDER BY (site)',
      output: [
        "CREATE TABLE telemetry.latest_local ON CLUSTER 'sift' (version UInt64, site String) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/telemetry/latest_local', '{replica}', version) ORDER BY (site)",
        "CREATE TABLE telemetry.latest ON CLUSTER 'sift' AS telemetry.latest_local ENGINE = Distributed('sift', 'telemetry', 'latest_local', cityHash64(site))",
      ],
      table: 'latest',
    },
    {
      shape: 'AggregatingMergeTree()',
      input:
        'CREATE TABLE IF NOT EXISTS telemetry.hourly (bucket DateTime, device_id String, n SimpleAggregateFunction(sum, UInt64)) ENGINE = AggregatingMergeTree() ORDER BY (device_id, bucket)',
      output: [
        "CREATE TABLE IF NOT EXISTS telemetry.hourly_local ON CLUSTER 'sift' (bucket DateTime, device_id String, n SimpleAggregateFunction(sum, UInt64)) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/telemetry/hourly_local', '{replica}') ORDER BY (device_id, bucket)",
        "CREATE TABLE IF NOT EXISTS telemetry.hourly ON CLUSTER 'sift' AS telemetry.hourly_local ENGINE = Distributed('sift', 'telemetry', 'hourly_local', cityHash64(device_id))",
      ],
      table: 'hourly',
    },
    {
      shape: 'Null feed table: a local Null table and a Distributed one',
      input: "CREATE TABLE IF NOT EXISTS telemetry.feed (hour DateTime, device_id String) ENGINE = Null COMMENT 'feed'",
      output: [
        "CREATE TABLE IF NOT EXISTS telemetry.feed_local ON CLUSTER 'sift' (hour DateTime, device_id String) ENGINE = Null COMMENT 'feed'",
        "CREATE TABLE IF NOT EXISTS telemetry.feed ON CLUSTER 'sift' AS telemetry.feed_local ENGINE = Distributed('sift', 'telemetry', 'feed_local', cityHash64(device_id)) COMMENT 'feed'",
      ],
      table: 'feed',
    },
    {
      shape: 'materialized view: on each shard, from the local feed to the local target',
      input:
        'CREATE MATERIALIZED VIEW IF NOT EXISTS telemetry.hourly_mv TO telemetry.hourly AS SELECT hour AS bucket, device_id, count() AS n FROM telemetry.feed GROUP BY bucket, device_id',
      output: [
        "CREATE MATERIALIZED VIEW IF NOT EXISTS telemetry.hourly_mv ON CLUSTER 'sift' TO telemetry.hourly_local AS SELECT hour AS bucket, device_id, count() AS n FROM telemetry.feed_local GROUP BY bucket, device_id",
      ],
    },
    {
      shape: 'plain view: ON CLUSTER, reading the Distributed table',
      input:
        'CREATE VIEW IF NOT EXISTS telemetry.hourly_v (bucket DateTime, n UInt64) AS SELECT bucket, sum(n) AS n FROM telemetry.hourly GROUP BY bucket',
      output: [
        "CREATE VIEW IF NOT EXISTS telemetry.hourly_v ON CLUSTER 'sift' (bucket DateTime, n UInt64) AS SELECT bucket, sum(n) AS n FROM telemetry.hourly GROUP BY bucket",
      ],
    },
    {
      shape: 'parameterized view keeps its parameters',
      input: 'CREATE VIEW telemetry.device_v AS SELECT * FROM telemetry.readings WHERE device_id = {device:String}',
      output: ["CREATE VIEW telemetry.device_v ON CLUSTER 'sift' AS SELECT * FROM telemetry.readings WHERE device_id = {device:String}"],
    },
    {
      shape: 'ALTER (TTL): the local table only',
      input: 'ALTER TABLE telemetry.hourly MODIFY TTL toDateTime(bucket) + INTERVAL 730 DAY',
      output: ["ALTER TABLE telemetry.hourly_local ON CLUSTER 'sift' MODIFY TTL toDateTime(bucket) + INTERVAL 730 DAY"],
    },
    {
      shape: 'ALTER (columns): the local table, then the Distributed one',
      input:
        "ALTER TABLE telemetry.readings ADD COLUMN IF NOT EXISTS partition UInt16 DEFAULT 0, COMMENT COLUMN value 'reading, unit-less'",
      output: [
        "ALTER TABLE telemetry.readings_local ON CLUSTER 'sift' ADD COLUMN IF NOT EXISTS partition UInt16 DEFAULT 0, COMMENT COLUMN value 'reading, unit-less'",
        "ALTER TABLE telemetry.readings ON CLUSTER 'sift' ADD COLUMN IF NOT EXISTS partition UInt16 DEFAULT 0, COMMENT COLUMN value 'reading, unit-less'",
      ],
    },
    {
      shape: 'other statements run as they are',
      input: "INSERT INTO telemetry.readings (device_id) VALUES ('seed')",
      output: ["INSERT INTO telemetry.readings (device_id) VALUES ('seed')"],
    },
  ];
  it.each(cases)('$shape', ({ input, output, table }) => {
    const result = rewrite(input);
    expect(result.statements).toEqual(output);
    expect(result.table).toBe(table);
  });
});

describe('clusterStatement: shapes it refuses, naming the migration', () => {
  const refused: Array<{ shape: string; input: string; why: RegExp }> = [
    {
      shape: 'an engine without a cluster form',
      input: 'CREATE TABLE telemetry.t (a UInt8) ENGINE = Memory',
      why: /engine Memory has no cluster form/,
    },
    {
      shape: 'an already replicated engine',
      input: "CREATE TABLE telemetry.t (a UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY a",
      why: /engine ReplicatedMergeTree/,
    },
    {
      shape: 'ON CLUSTER written in the file',
      input: "CREATE TABLE telemetry.t ON CLUSTER 'x' (a UInt8) ENGINE = MergeTree ORDER BY a",
      why: /already says ON CLUSTER/,
    },
    { shape: 'CREATE TABLE … AS another table', input: 'CREATE TABLE telemetry.t AS telemetry.readings', why: /only CREATE TABLE/ },
    {
      shape: 'a materialized view with an inner table',
      input: 'CREATE MATERIALIZED VIEW telemetry.mv ENGINE = MergeTree ORDER BY a AS SELECT a FROM telemetry.feed',
      why: /needs TO <table>/,
    },
    {
      shape: 'a materialized view into an unknown table',
      input: 'CREATE MATERIALIZED VIEW telemetry.mv TO telemetry.nowhere AS SELECT a FROM telemetry.feed',
      why: /target telemetry.nowhere/,
    },
    {
      shape: 'a materialized view joining two tables',
      input: 'CREATE MATERIALIZED VIEW telemetry.mv TO telemetry.hourly AS SELECT a FROM telemetry.feed JOIN telemetry.readings USING a',
      why: /exactly one table/,
    },
    {
      shape: 'an ALTER of an unknown table',
      input: 'ALTER TABLE telemetry.nowhere MODIFY TTL now()',
      why: /not a table an earlier statement created/,
    },
    {
      shape: 'an ALTER mixing columns and TTL',
      input: 'ALTER TABLE telemetry.readings ADD COLUMN b UInt8, MODIFY TTL now()',
      why: /mixes column changes/,
    },
    { shape: 'DROP TABLE', input: 'DROP TABLE telemetry.readings', why: /only CREATE TABLE/ },
    {
      shape: 'a table in another database',
      input: 'CREATE TABLE other.t (a UInt8) ENGINE = MergeTree ORDER BY a',
      why: /only CREATE TABLE/,
    },
  ];
  it.each(refused)('$shape', ({ input, why }) => {
    expect(() => rewrite(input)).toThrow(ClusterDdlError);
    expect(() => rewrite(input)).toThrow(why);
    expect(() => rewrite(input)).toThrow(/^migration metrics\/0009_test: cannot make the cluster variant \(CLICKHOUSE_CLUSTER=sift\)/);
  });
});

describe('clusterMigrations', () => {
  it('knows the tables of earlier migrations when a later one alters them', () => {
    const [first, second] = clusterMigrations(
      [
        { id: 'k/0001_a', statements: ['CREATE TABLE telemetry.t (device_id String) ENGINE = MergeTree ORDER BY device_id'] },
        { id: 'k/0002_b', statements: ['ALTER TABLE telemetry.t MODIFY TTL now()'] },
      ],
      target,
    );
    expect(first!.statements).toHaveLength(2);
    expect(second!.statements).toEqual(["ALTER TABLE telemetry.t_local ON CLUSTER 'sift' MODIFY TTL now()"]);
  });

  it('refuses an ALTER of a table no migration created', () => {
    expect(() => clusterMigrations([{ id: 'k/0001_a', statements: ['ALTER TABLE telemetry.t MODIFY TTL now()'] }], target)).toThrow(
      /^migration k\/0001_a:/,
    );
  });
});

describe('shardingKey', () => {
  it.each([
    ['(ts DateTime, device_id String)', 'ORDER BY ts', 'cityHash64(device_id)'],
    ['(ts DateTime, `site` String)', 'ORDER BY (site, ts)', 'cityHash64(site)'],
    ['(ts DateTime, site String, INDEX i site TYPE bloom_filter)', 'ORDER BY tuple()', 'cityHash64(ts)'],
    ["(m Map(String, String) COMMENT 'a, b', n UInt8)", '', 'cityHash64(m)'],
  ])('%s %s → %s', (columns, after, key) => {
    expect(shardingKey(columns, after)).toBe(key);
  });
});
