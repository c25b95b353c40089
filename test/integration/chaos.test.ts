import { describe, expect, it } from 'vitest';
import { runChaos } from '../../src/cli/chaos.js';

/**
 * `npm run chaos`, small: workers killed with SIGKILL at random while draining a backlog, and a
 * nats-server killed and restarted once, then every message must be stored exactly once, down to
 * both rollups, with every partition acked to its end.
 */
describe('chaos: workers killed mid-stream, nats-server restarted', () => {
  it('stores every message exactly once in the raw table and both rollups', async () => {
    const report = await runChaos({
      messages: 20_000,
      devices: 200,
      kills: 4,
      minRunS: 1,
      maxRunS: 3,
      natsRestarts: 1,
      partitions: 4,
      seed: 7,
      log: () => undefined,
    });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      storedSeqs: 20_000,
      rawRows: 100_000,
      hourlySamples: 100_000,
      dailySamples: 100_000,
      pendingAtEnd: 0,
    });
  }, 180_000);
});
