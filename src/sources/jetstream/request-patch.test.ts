import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// patches/@nats-io+nats-core+<version>.patch (the request.js hunk): an answered request no longer
// builds a RequestError("cancelled"), stack trace included, that nobody sees
// (docs/upstream/nats-core-request-cancel.md). Fails when an upgrade moves the patched code.
const require = createRequire(import.meta.url);
const coreDir = dirname(dirname(require.resolve('@nats-io/nats-core')));
const errors = require(join(coreDir, 'lib', 'errors.js')) as { RequestError: new (message?: string) => Error };
const { RequestOne } = require('@nats-io/nats-core/internal') as {
  RequestOne: new (
    mux: { cancel(r: unknown): void },
    subject: string,
    opts: { timeout: number },
    asyncTraces: boolean,
  ) => {
    resolver(err: Error | null, msg: unknown): void;
    cancel(err?: Error): void;
    deferred: Promise<unknown>;
  };
};

/** Runs `body` while counting the RequestErrors request.js builds. */
async function countingRequestErrors(body: () => Promise<void>): Promise<number> {
  const original = errors.RequestError;
  let built = 0;
  errors.RequestError = class extends original {
    constructor(message?: string) {
      super(message);
      built++;
    }
  };
  try {
    await body();
  } finally {
    errors.RequestError = original;
  }
  return built;
}

describe('the @nats-io/nats-core request patch', () => {
  it('is applied: an answered request is taken off the mux without an error built for it', async () => {
    const cancelled: unknown[] = [];
    const built = await countingRequestErrors(async () => {
      const request = new RequestOne({ cancel: (r) => void cancelled.push(r) }, 'subject', { timeout: 60_000 }, false);
      request.resolver(null, 'answer');
      await expect(request.deferred).resolves.toBe('answer');
    });
    expect(built).toBe(0);
    expect(cancelled).toHaveLength(1);
  });

  it('still rejects a request cancelled before its answer, with a RequestError', async () => {
    const built = await countingRequestErrors(async () => {
      const request = new RequestOne({ cancel: () => undefined }, 'subject', { timeout: 60_000 }, false);
      request.cancel();
      await expect(request.deferred).rejects.toThrow('cancelled');
    });
    expect(built).toBe(1);
  });
});
