export const batchConfig = {
  maxRows: {
    doc: 'A partition batch is flushed at this many rows or messages, whichever comes first.',
    format: 'positive-int',
    default: 20_000,
    env: 'BATCH_MAX_ROWS',
  },
  maxBytes: {
    doc: 'A partition batch is flushed at this many bytes of message bodies.',
    format: 'positive-int',
    default: 8 * 1024 * 1024,
    env: 'BATCH_MAX_BYTES',
  },
  maxWaitMs: {
    doc: 'Longest a message waits in a batch: batches are cut on a grid of ticks this far apart, all partitions together, unless full earlier or filling from a backlog.',
    format: 'positive-int',
    default: 1_000,
    env: 'BATCH_MAX_WAIT_MS',
  },
  backlogFillers: {
    doc: 'Partitions of a worker that fill batches from a backlog at the same time (0 = all of them). Fewer, each filling faster, keep fewer messages unacked, on the server and in memory. A partition waits for its turn at most a third of CONSUMER_PINNED_TTL_MS.',
    format: 'non-negative-int',
    default: 4,
    env: 'BATCH_BACKLOG_FILLERS',
  },
};
