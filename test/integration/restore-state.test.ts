import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { createClickHouse, type ClickHouseClient } from '../../src/sinks/clickhouse/client.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';

/**
 * A worker drains, stops; the next one takes the partitions. With FILTER_RESTORE_STATE it judges
 * the devices' next readings against the values stored before (no first contact); without it,
 * every device starts afresh.
 */
describe.each([
  ['true', ['pump-2 change temp']],
  ['false', ['pump-0 first_contact temp', 'pump-1 first_contact temp', 'pump-2 first_contact temp']],
])('FILTER_RESTORE_STATE=%s', (restore, expected) => {
  let t: SiftTestEnv;
  let clickhouse: ClickHouseClient;

  beforeAll(async () => {
    t = await siftTestEnv({ FILTER_RESTORE_STATE: restore, PARTITIONS: '2' });
    clickhouse = await createClickHouse(t.config.clickhouse);
  });
  afterAll(async () => {
    await clickhouse?.close();
    await t?.dispose();
  });

  it("stores the second worker's readings as the restored state implies", async () => {
    const at = (s: number) => new Date(Date.now() - 600_000 + s * 1000).toISOString();
    for (const device of ['pump-0', 'pump-1', 'pump-2'])
      await t.publish(`telemetry.metrics.${device}`, { ts: at(0), metrics: { temp: 20 } });
    const first = await Worker.start(t.config, testLogger, { clickhouse });
    await first.untilIdle();
    await first.stop();
    // Unchanged for two devices, +10 % for the third; 60 s later, well within the snapshot interval.
    for (const [device, temp] of [
      ['pump-0', 20],
      ['pump-1', 20.2],
      ['pump-2', 22],
    ] as const) {
      await t.publish(`telemetry.metrics.${device}`, { ts: at(60), metrics: { temp } });
    }
    const second = await Worker.start(t.config, testLogger, { clickhouse });
    await second.untilIdle();
    await second.stop();
    const db = t.config.clickhouse.database;
    const later = await rows<{ line: string }>(
      clickhouse,
      `SELECT concat(device_id, ' ', reason, ' ', metric) AS line FROM ${db}.device_metrics WHERE ts > parseDateTime64BestEffort('${at(30)}') ORDER BY line`,
    );
    expect(later.map((r) => r.line)).toEqual(expected);
  });
});
