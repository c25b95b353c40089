import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CommitJournal, FencedError } from '../../src/commit/journal/commit-journal.js';
import { startNatsServer, type NatsServer } from '../../src/tools/nats-server.js';
import { testLogger } from '../helpers/sift-env.js';

/**
 * A batch is journaled only under the hold (epoch) that took its messages: after this worker lost
 * a partition and took it back, a batch of the earlier hold must not pass as one of the new hold,
 * whose messages are taken afresh (it would store them twice).
 */
describe('the commit journal and a worker holding a partition twice', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let a: CommitJournal;
  let b: CommitJournal;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    a = await CommitJournal.open(nc, 'journal_epochs', 'worker-a', 1, testLogger);
    b = await CommitJournal.open(nc, 'journal_epochs', 'worker-b', 1, testLogger);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it('refuses a batch of an earlier hold and journals one of the current hold', async () => {
    const firstHold = await a.take(0, 'c1');
    expect(firstHold.alreadyHeld).toBe(false);
    await b.take(0, 'c1');
    const secondHold = await a.take(0, 'c1');
    expect(secondHold.alreadyHeld).toBe(false);
    expect(secondHold.epoch).toBe(firstHold.epoch + 2);

    await expect(a.begin('old', [[0, 1, 5]], [firstHold.epoch])).rejects.toBeInstanceOf(FencedError);
    expect(a.holds(0, secondHold.epoch)).toBe(true);
    expect(a.holds(0, firstHold.epoch)).toBe(false);
    await a.begin('new', [[0, 1, 5]], [secondHold.epoch]);
    expect((await a.read(0)).entry.inflight?.token).toBe('new');
    await a.finish('new', [[0, 1, 5]]);
  });

  it('keeps a hold taken while a write of the lost one fails', async () => {
    const lost = await a.take(0, 'c1');
    expect(lost.alreadyHeld).toBe(true);
    await b.take(0, 'c1');
    // The earlier hold's begin and a new take race: whichever order they run in, the take wins.
    const [stale, taken] = await Promise.allSettled([a.begin('stale', [[0, 6, 9]], [lost.epoch]), a.take(0, 'c1')]);
    expect(stale.status).toBe('rejected');
    expect((stale as PromiseRejectedResult).reason).toBeInstanceOf(FencedError);
    expect(taken.status).toBe('fulfilled');
    const { epoch } = (taken as PromiseFulfilledResult<{ epoch: number }>).value;
    expect(a.holds(0, epoch)).toBe(true);
    await a.begin('after', [[0, 6, 9]], [epoch]);
    expect((await a.read(0)).entry).toMatchObject({ owner: 'worker-a', epoch, inflight: { token: 'after' } });
  });
});
