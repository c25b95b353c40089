import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift } from '../helpers/cli.js';
import { simulate } from '../../src/simulate/publish.js';

/**
 * A drain that cannot finish: NATS goes away before SIGTERM, so the last acks retry. The worker
 * must then keep its deadline, or leave at once on a second signal; what it did not ack is
 * delivered again later, so nothing is lost either way.
 */
describe.skipIf(Boolean(process.env.NATS_URL))('a drain that cannot finish', () => {
  let t: SiftTestEnv;
  beforeEach(async () => {
    t = await siftTestEnv({ SHUTDOWN_TIMEOUT_MS: '1000', BATCH_MAX_ROWS: '1000' });
    await simulate(t.config, { devices: 20, count: 20_000, rate: 0, seed: 31, intervalS: 10, startMs: Date.parse('2026-11-09T00:00:00Z') });
  });
  afterEach(async () => {
    await t.nats!.restart().catch(() => undefined);
    await t.dispose();
  });

  async function busyWorkerWithNatsGone() {
    // A heap limit as the deploy files set one, which the start line reports.
    const worker = sift(['worker'], { ...t.env, LOG_LEVEL: 'info', NODE_OPTIONS: '--max-old-space-size=300' });
    let stderr = '';
    worker.child.stderr!.on('data', (d) => (stderr += d));
    while (!stderr.includes('"msg":"worker started"')) await new Promise((r) => setTimeout(r, 20));
    await t.nats!.stop(true);
    return { worker, stderr: () => stderr };
  }

  it('exits 1 once SHUTDOWN_TIMEOUT_MS has passed', async () => {
    const { worker, stderr } = await busyWorkerWithNatsGone();
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    const result = await worker.done;
    expect(result.code).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(stderr()).toContain('drain deadline passed');
    const started = JSON.parse(
      stderr()
        .split('\n')
        .find((line) => line.includes('"msg":"worker started"'))!,
    ) as { heapLimitMiB: number };
    expect(started.heapLimitMiB).toBeGreaterThanOrEqual(300);
    expect(started.heapLimitMiB).toBeLessThan(400);
  });

  it('exits at once on a second signal', async () => {
    const { worker, stderr } = await busyWorkerWithNatsGone();
    worker.child.kill('SIGTERM');
    while (!stderr().includes('draining')) await new Promise((r) => setTimeout(r, 10));
    worker.child.kill('SIGTERM');
    const result = await worker.done;
    expect(result.code).toBe(130);
    expect(stderr()).toContain('second signal');
  });
});
