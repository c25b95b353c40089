import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, type PackedInstall } from '../../../test/helpers/packed-install.js';

describe('@sift/browser as npm pack ships it', () => {
  let packed: PackedInstall;
  beforeAll(() => {
    packed = installPacked('browser');
  }, 60_000);
  afterAll(() => packed?.dispose());

  it('carries the contract code it is built from, and the minified bundle', () => {
    const out = packed.run(`
      import { init } from '@sift/browser';
      try { init({ endpoint: 'https://sift.example.com', key: 'k', app: 'shop.web' }); } catch (error) { console.log(error.message); }
    `);
    expect(out).toContain('sift: app: subject key "shop.web" holds a dot at character 4');
    expect(existsSync(join(packed.dir, 'node_modules/@sift/browser/dist/sift.min.js'))).toBe(true);
  });
});
