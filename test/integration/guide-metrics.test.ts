import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { analystRows } from '../helpers/clickhouse.js';
import { guideQuery } from '../helpers/analyst-guide.js';

describe('analyst guide: device metrics', () => {
  let t: SiftTestEnv;
  let worker: Worker;
  // Readings within the last hour; the filter stores few of them, the rollups count them all.
  const readings: Array<[device: string, temp: number]> = [];

  beforeAll(async () => {
    t = await siftTestEnv();
    const now = Date.now();
    for (let i = 0; i < 60; i++) {
      const device = `pump-${i % 4}`;
      // pump-1 peaks once above the bound, on a reading under 5 % above the stored one: the filter drops it.
      const temp = device === 'pump-1' && i === 45 ? 40.5 : device === 'pump-1' && i > 1 ? 39 : 20 + (i % 4) * 7 + (i % 3) * 0.1;
      readings.push([device, temp]);
      await t.publish(`telemetry.metrics.${device}`, { ts: new Date(now - 3_600_000 + i * 1000).toISOString(), metrics: { temp } });
    }
    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('metric_crossed: devices whose metric went above a value, filtered-out readings included', async () => {
    const value = 40;
    const peaks = new Map<string, number>();
    for (const [device, temp] of readings) peaks.set(device, Math.max(peaks.get(device) ?? -Infinity, temp));
    const expected = [...peaks]
      .filter(([, peak]) => peak > value)
      .sort((a, b) => b[1] - a[1])
      .map(([device_id, peak]) => ({ device_id, peak }));
    expect(expected.length).toBeGreaterThan(0);
    const got = await analystRows(worker.clickhouse, t.config.clickhouse.database, guideQuery('metric_crossed'), { metric: 'temp', value });
    expect(got).toEqual(expected);
  });
});
