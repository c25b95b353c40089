import { describe, expect, it } from 'vitest';
import { emptyEntry, type JournalCommit, type JournalEntry } from './entry.js';
import * as transition from './transitions.js';

const entry = (over: Partial<JournalEntry> = {}): JournalEntry => ({ ...emptyEntry(), ...over });
const commit = (token: string, over: Partial<JournalCommit> = {}): JournalCommit => ({
  token,
  members: [[3, 10, 20]],
  leader: 3,
  decided: true,
  ...over,
});

describe('journal transitions', () => {
  it('take: the next epoch under the new owner, the entry found kept', () => {
    const found = entry({ owner: 'a', epoch: 4, committed: 90, consumerCreated: 'c1', inflight: commit('t') });
    const { previous, mine } = transition.take(found, 'b', 'c1');
    expect(previous).toBe(found);
    expect(mine).toEqual({ owner: 'b', epoch: 5, committed: 90, consumerCreated: 'c1', inflight: commit('t') });
  });

  it('take: an entry of an earlier consumer says nothing of this one but its epoch', () => {
    const found = entry({ owner: 'a', epoch: 4, committed: 90, consumerCreated: 'c1', inflight: commit('t') });
    const { previous, mine } = transition.take(found, 'b', 'c2');
    expect(previous).toEqual(entry({ epoch: 4 }));
    expect(mine).toEqual({ owner: 'b', epoch: 5, committed: 0, consumerCreated: 'c2' });
  });

  it("take: an entry written before consumers were recorded is this consumer's", () => {
    expect(transition.take(entry({ owner: 'a', epoch: 1, committed: 7 }), 'b', 'c1').mine.committed).toBe(7);
  });

  it('sameHold: owner and epoch both', () => {
    expect(transition.sameHold(entry({ owner: 'a', epoch: 2 }), entry({ owner: 'a', epoch: 2, committed: 9 }))).toBe(true);
    expect(transition.sameHold(entry({ owner: 'a', epoch: 2 }), entry({ owner: 'a', epoch: 3 }))).toBe(false);
    expect(transition.sameHold(entry({ owner: 'a', epoch: 2 }), entry({ owner: 'b', epoch: 2 }))).toBe(false);
  });

  it('begin: journals the commit, refused when a recovering worker aborted it', () => {
    const inflight = commit('t', { decided: false });
    expect(transition.begin(entry({ committed: 5 }), 3, inflight)).toEqual(entry({ committed: 5, inflight }));
    const refused = transition.begin(entry({ aborted: 't' }), 3, inflight);
    expect(transition.isRefused(refused) && refused.refused).toBe('partition 3: the commit t was aborted by a recovering worker');
  });

  it('decide: marks the group decided in its leader, refused once another commit or none is in flight', () => {
    const undecided = entry({ inflight: commit('t', { decided: false }) });
    expect(transition.decide(undecided, 't')).toEqual(entry({ inflight: commit('t', { decided: true }) }));
    expect(transition.isRefused(transition.decide(undecided, 'u'))).toBe(true);
    expect(transition.isRefused(transition.decide(entry(), 't'))).toBe(true);
  });

  it('finish: committed moves to the last sequence (never back), the commit leaves', () => {
    expect(transition.finish(entry({ committed: 5, inflight: commit('t') }), 't', 20)).toEqual(entry({ committed: 20 }));
    expect(transition.finish(entry({ committed: 30, inflight: commit('t') }), 't', 20)).toEqual(entry({ committed: 30 }));
    // Another commit in flight (a later one begun meanwhile) stays.
    expect(transition.finish(entry({ committed: 5, inflight: commit('u') }), 't', 20)).toEqual(
      entry({ committed: 20, inflight: commit('u') }),
    );
  });

  it('abandon: only that commit leaves, nothing else moves', () => {
    expect(transition.abandon(entry({ committed: 5, inflight: commit('t') }), 't')).toEqual(entry({ committed: 5 }));
    const other = entry({ inflight: commit('u') });
    expect(transition.abandon(other, 't')).toBe(other);
  });

  it('abortUndecided: a decided group is left to be finished; any other is aborted in its leader', () => {
    expect(transition.abortUndecided(entry({ inflight: commit('t', { decided: true }) }), 't')).toBeUndefined();
    expect(transition.abortUndecided(entry({ committed: 5, inflight: commit('t', { decided: false }) }), 't')).toEqual(
      entry({ committed: 5, aborted: 't' }),
    );
    // Not journaled in the leader yet: aborted there, so the worker that began it cannot begin it there.
    expect(transition.abortUndecided(entry({ inflight: commit('u') }), 't')).toEqual(entry({ inflight: commit('u'), aborted: 't' }));
  });

  it('finishRecovered: only where the entry still names the commit; committed moves when it was stored', () => {
    expect(transition.finishRecovered(entry({ committed: 5, inflight: commit('t') }), 't', 20, true)).toEqual(entry({ committed: 20 }));
    expect(transition.finishRecovered(entry({ committed: 5, inflight: commit('t') }), 't', 20, false)).toEqual(entry({ committed: 5 }));
    expect(transition.finishRecovered(entry({ committed: 5, inflight: commit('u') }), 't', 20, true)).toBeUndefined();
    expect(transition.finishRecovered(entry({ committed: 5 }), 't', 20, true)).toBeUndefined();
  });
});
