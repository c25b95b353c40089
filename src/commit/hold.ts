/**
 * This worker's hold on one partition: the journal epoch it holds it under and the sequence through
 * which its messages are in ClickHouse. The one place both facts live; the pipeline, the committer
 * and the takeover ask it.
 */
export class Hold {
  /** The journal epoch of the current hold; 0 before the first takeover. A batch taken under an earlier one is never committed. */
  epoch = 0;
  /**
   * Messages up to this sequence are in ClickHouse: a previous owner's (the journal said so at the
   * takeover) or this worker's own stored batches. A new message up to it is acked with the next
   * batch, not stored again; a redelivery up to it only needs its ack again.
   */
  storedThrough = 0;
  /** A commit came back fenced: nothing more is inserted or acked under this hold (an AckAll would acknowledge the fenced batch). */
  fenced = false;

  constructor(readonly partition: number) {}

  /** A new hold (a new epoch): batches of the earlier one are given up, commits go on under this one. */
  begin(epoch: number): void {
    this.epoch = epoch;
    this.fenced = false;
  }

  /** Messages through `seq` are stored (the journal, or a commit of this worker's). */
  stored(seq: number): void {
    this.storedThrough = Math.max(this.storedThrough, seq);
  }

  /** Whether a batch taken under `epoch` belongs to an earlier hold. */
  isEarlier(epoch: number): boolean {
    return epoch < this.epoch;
  }
}
