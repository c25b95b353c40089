import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/worker/worker.js';
import { siftTestEnv, testLogger, type SiftTestEnv } from '../helpers/sift-env.js';
import { rows } from '../helpers/clickhouse.js';
import { call, createKey, startTestGateway } from '../helpers/gateway.js';

/**
 * nats-server killed and started again while clients post: every event the gateway answered 2xx
 * for is stored, and a client that retries a 503 with the Idempotency-Key the answer gives stores
 * each event exactly once.
 */
describe.skipIf(Boolean(process.env.NATS_URL))('the gateway through a NATS outage', () => {
  let t: SiftTestEnv;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let worker: Worker | undefined;
  let secret: string;

  beforeAll(async () => {
    t = await siftTestEnv();
    secret = await createKey(t, { name: 'load', kinds: ['usage'] });
    gateway = await startTestGateway(t, { GATEWAY_PUBLISH_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.stop();
    await t?.dispose();
  });

  it('loses no acknowledged event and, with retries, stores each once', async () => {
    const acked = new Set<string>();
    const answers = new Map<number, number>();
    let stop = false;
    /** One client: each event until it gets 202; a 503 is retried with the Idempotency-Key it names (or none, in the unkeyed half). */
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const event = `c${c}-e${i}`;
        let idempotency: string | undefined = c % 2 === 0 ? undefined : `${event}-req`;
        for (;;) {
          const answer = await call(`${gateway.url}/v1/events/usage/app-${c}`, {
            headers: { authorization: `Bearer ${secret}`, ...(idempotency ? { 'idempotency-key': idempotency } : {}) },
            json: { event },
          }).catch(() => ({ status: 0, headers: new Headers(), body: undefined }));
          answers.set(answer.status, (answers.get(answer.status) ?? 0) + 1);
          if (answer.status === 202) {
            acked.add(event);
            break;
          }
          expect([503, 0]).toContain(answer.status);
          if (answer.status === 503) {
            expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
            idempotency ??= answer.headers.get('idempotency-key') ?? undefined;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 1_500));
    const before = acked.size;
    await t.nats!.stop(true);
    await new Promise((r) => setTimeout(r, 1_500));
    await t.nats!.restart();
    await new Promise((r) => setTimeout(r, 2_500));
    stop = true;
    await Promise.all(clients);
    expect(before).toBeGreaterThan(0);
    expect(answers.get(503) ?? 0).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(before);

    worker = await Worker.start(t.config, testLogger);
    await worker.untilIdle();
    const stored = await rows<{ event: string; n: number }>(
      worker.clickhouse,
      `SELECT event, count() AS n FROM ${t.config.clickhouse.database}.usage_events GROUP BY event`,
    );
    const storedCount = new Map(stored.map((r) => [r.event, r.n]));
    const lost = [...acked].filter((e) => !storedCount.has(e));
    expect(lost).toEqual([]);
    // Keyed clients retried with their own key: never twice. Unkeyed ones retried with the key the 503 gave.
    const twice = [...storedCount].filter(([, n]) => n > 1).map(([e]) => e);
    expect(twice).toEqual([]);
  });
});
