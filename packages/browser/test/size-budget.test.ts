import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
// @ts-expect-error: a plain ES module script without types
import { bundle } from '../scripts/bundle.mjs';

/** The stated budget: the whole client, minified and gzipped. */
const BUDGET_BYTES = 5 * 1024;

describe('the browser client', () => {
  it(`stays within ${BUDGET_BYTES} bytes minified and gzipped`, async () => {
    const code = (await bundle()) as string;
    expect(code).toContain('sendBeacon');
    expect(gzipSync(code).length).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
