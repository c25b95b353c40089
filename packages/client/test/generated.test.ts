import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { kinds } from '../../../src/kinds/registry.js';
// @ts-expect-error: a plain script without declarations
import { render } from '../scripts/generate.mjs';

const generatedDir = join(import.meta.dirname, '..', 'src', 'generated');

describe('generated kind contracts', () => {
  it('match the kind registry (run `npm run schemas` when this fails)', () => {
    const expected = render(kinds) as Record<string, string>;
    const onDisk = Object.fromEntries(readdirSync(generatedDir).map((file) => [file, readFileSync(join(generatedDir, file), 'utf8')]));
    expect(Object.keys(onDisk).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, text] of Object.entries(expected))
      expect(onDisk[file], `src/generated/${file} is stale: run npm run schemas`).toBe(text);
  });

  it('cover every registered kind', async () => {
    const { kindNames } = await import('../src/generated/index.js');
    expect([...kindNames]).toEqual(kinds.map((k) => k.name));
  });

  it('refuses a kind whose name would shadow a client method', () => {
    expect(() => render([{ name: 'close', schemaFile: 'x.json', schema: kinds[0]!.schema }])).toThrow(/shadow the client's own close/);
  });

  it('types literal unions, free-form objects and nested objects of other kinds; refuses what a standalone check cannot carry', () => {
    const schema = Type.Object(
      {
        status: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
        metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        context: Type.Optional(Type.Object({}, { additionalProperties: true })),
        system: Type.Optional(Type.Object({ cpu_count: Type.Integer() }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    );
    const files = render([
      { name: 'job', schemaFile: 'job.schema.json', schema },
      { name: 'heartbeat', schemaFile: 'heartbeat.schema.json', schema },
    ]) as Record<string, string>;
    expect(files['job.ts']).toContain('status: "success" | "failure";');
    expect(files['job.ts']).toContain('metadata?: Record<string, unknown>;');
    expect(files['job.ts']).toContain('context?: Record<string, unknown>;');
    expect(files['job.ts']).toMatch(/system\?: \{\n\s+cpu_count: number;/);
    expect(files['index.ts']).toContain('heartbeat(key: string, body: HeartbeatBody): void;');
    const withFormat = Type.Object({ at: Type.String({ format: 'date-time' }) });
    expect(() => render([{ name: 'x', schemaFile: 'x.json', schema: withFormat }])).toThrow(/uses format "date-time".*pattern/);
  });
});
