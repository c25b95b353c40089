import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, type PackedInstall } from '../../../test/helpers/packed-install.js';

describe('@sift/client as npm pack ships it', () => {
  let packed: PackedInstall;
  beforeAll(() => {
    packed = installPacked('client');
  }, 60_000);
  afterAll(() => packed?.dispose());

  it('carries the contract code it is built from (subject keys, event time)', () => {
    // Nothing listens on port 1: the client would spool; validation runs at the call all the same.
    const out = packed.run(`
      import { createSiftClient, keyProblem } from '@sift/client';
      console.log(keyProblem('a.b'));
      const client = await createSiftClient({ servers: 'nats://127.0.0.1:1', spoolDir: process.cwd() + '/spool', onError: () => {} });
      try { client.metrics('pump-1', { ts: '2026-02-30T00:00:00Z', metrics: { v: 1 } }); } catch (error) { console.log(error.message); }
      process.exit(0);
    `);
    expect(out).toContain('subject key "a.b" holds a dot at character 1');
    expect(out).toContain('invalid metrics event: /ts: "2026-02-30T00:00:00Z" is not a real date-time');
  });
});
