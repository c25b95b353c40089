import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kinds } from '../../../src/kinds/registry.js';
// @ts-expect-error: a plain script without declarations
import { render } from '../scripts/generate.mjs';

const generatedDir = join(import.meta.dirname, '..', 'src', 'generated');

describe('generated kind contracts', () => {
  it('match the kind registry (run `npm run schemas` when this fails)', () => {
    const expected = render(kinds) as Record<string, string>;
    const onDisk = Object.fromEntries(readdirSync(generatedDir).map((file) => [file, readFileSync(join(generatedDir, file), 'utf8')]));
    expect(Object.keys(onDisk).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, text] of Object.entries(expected)) expect(onDisk[file], `src/generated/${file} is stale: run npm run schemas`).toBe(text);
  });

  it('cover every registered kind', async () => {
    const { kindNames } = await import('../src/generated/index.js');
    expect([...kindNames]).toEqual(kinds.map((k) => k.name));
  });

  it('refuses a kind whose name would shadow a client method', () => {
    expect(() => render([{ name: 'close', schemaFile: 'x.json', schema: kinds[0]!.schema }])).toThrow(/shadow the client's own close/);
  });
});
