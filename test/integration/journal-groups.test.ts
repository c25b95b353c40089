import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CommitJournal, FencedError } from '../../src/commit/journal/commit-journal.js';
import type { JournalMember } from '../../src/commit/journal/entry.js';
import { startNatsServer, type NatsServer } from '../../src/tools/nats-server.js';
import { testLogger } from '../helpers/sift-env.js';

/**
 * A group commit is journaled by one write per member, so a worker can die with some of them done.
 * A new owner of a member must then tell a group that may have been inserted (decided in its
 * leader's entry, after every member's write) from one that was not (aborted, and fenced off for a
 * worker that began it and still runs).
 */
describe('the commit journal and group commits', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let bucket = 0;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  /** Worker a holding partitions 0 and 1 of a fresh journal, and a second worker b on it. */
  async function twoWorkers() {
    const name = `journal_groups_${bucket++}`;
    const a = await CommitJournal.open(nc, name, 'worker-a', 1, testLogger);
    const b = await CommitJournal.open(nc, name, 'worker-b', 1, testLogger);
    const epochs = [(await a.take(0, 'c')).epoch, (await a.take(1, 'c')).epoch];
    return { a, b, epochs };
  }
  const group: JournalMember[] = [
    [0, 1, 5],
    [1, 2, 9],
  ];

  it('finishes a group decided in its leader', async () => {
    const { a, b, epochs } = await twoWorkers();
    await a.begin('g1', group, epochs);
    await a.decide('g1', 0);
    const { entry } = await b.take(1, 'c');
    expect(await b.resolve(entry.inflight!)).toBe('finish');
    await b.finishRecovered('g1', [group[1]!, group[0]!]);
    expect((await b.read(0)).entry).toMatchObject({ owner: 'worker-a', committed: 5 });
    expect((await b.read(1)).entry).toMatchObject({ owner: 'worker-b', committed: 9 });
    expect((await b.read(1)).entry.inflight).toBeUndefined();
  });

  it('aborts a group not decided, and its worker can no longer decide it', async () => {
    const { a, b, epochs } = await twoWorkers();
    await a.begin('g2', group, epochs);
    const { entry } = await b.take(1, 'c');
    expect(await b.resolve(entry.inflight!)).toBe('abort');
    await expect(a.decide('g2', 0)).rejects.toBeInstanceOf(FencedError);
    await b.finishRecovered('g2', [group[1]!, group[0]!], false);
    for (const p of [0, 1]) {
      expect((await b.read(p)).entry.inflight).toBeUndefined();
      expect((await b.read(p)).entry.committed).toBe(0);
    }
  });

  it('aborts a group journaled on a member only, and its late begin at the leader fails', async () => {
    const { a, b, epochs } = await twoWorkers();
    // Worker a's write to member 1 landed; the one to its leader, partition 0, is still on its way.
    await a.begin('g3', group.slice(1), epochs.slice(1));
    const partial = { ...(await b.read(1)).entry.inflight!, members: group, leader: 0, decided: false };
    const { entry } = await b.take(1, 'c');
    expect(entry.inflight?.token).toBe('g3');
    expect(await b.resolve(partial)).toBe('abort');
    await expect(a.begin('g3', group.slice(0, 1), epochs.slice(0, 1))).rejects.toBeInstanceOf(FencedError);
    expect((await a.read(0)).entry).toMatchObject({ owner: 'worker-a', aborted: 'g3' });
    // Worker a goes on at partition 0 with other commits.
    await a.begin('g4', [[0, 1, 5]], epochs.slice(0, 1));
    await a.finish('g4', [[0, 1, 5]]);
    expect((await a.read(0)).entry.committed).toBe(5);
  });

  it('finishes a stored group on a member taken over meanwhile, its leader last', async () => {
    const { a, b, epochs } = await twoWorkers();
    await a.begin('g5', group, epochs);
    await a.decide('g5', 0);
    await b.take(1, 'c');
    await a.finish('g5', group);
    expect((await b.read(1)).entry).toMatchObject({ owner: 'worker-b', committed: 9 });
    expect((await b.read(0)).entry).toMatchObject({ owner: 'worker-a', committed: 5 });
    for (const p of [0, 1]) expect((await b.read(p)).entry.inflight).toBeUndefined();
  });
});
