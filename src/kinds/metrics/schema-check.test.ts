import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../simulate/fleet.js';
import { DeviceMetricsMessage } from './schema.js';
import { isPlainDeviceMetrics } from './schema-check.js';

const typebox = TypeCompiler.Compile(DeviceMetricsMessage);
const manyMetrics = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i]));
const manyLabels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'x']));

// Bodies as JSON text, parsed the way the decoder parses them.
const bodies: string[] = [
  '{"metrics":{"v":1}}',
  '{"ts":"2026-11-23T19:20:00Z","metrics":{"cpu.load:1m":0.5,"a/b-c":-2}}',
  '{"ts":"2026-11-23 19:20:00.123456789+01:00","device_id":"d","metrics":{"_x":1e300},"labels":{"site":"x"}}',
  '{"ts":0,"metrics":{"v":-1e300}}',
  '{"ts":253402300799999,"metrics":{"v":1}}',
  '{"ts":253402300800000,"metrics":{"v":1}}',
  '{"ts":-1,"metrics":{"v":1}}',
  '{"ts":1.5,"metrics":{"v":1}}',
  '{"ts":null,"metrics":{"v":1}}',
  '{"ts":"2026-11-23T19:20:00","metrics":{"v":1}}',
  '{"ts":"2026-11-23T19:20:00.1234567890Z","metrics":{"v":1}}',
  '{"metrics":{}}',
  '{"metrics":[]}',
  '{"metrics":null}',
  '{"metrics":{"v":"1"}}',
  '{"metrics":{"v":1e301}}',
  '{"metrics":{"v":-1e301}}',
  '{"metrics":{"v":null}}',
  '{"metrics":{"v":true}}',
  '{"metrics":{"1v":1}}',
  '{"metrics":{"":1}}',
  '{"metrics":{"a b":1}}',
  `{"metrics":{"${'a'.repeat(128)}":1}}`,
  `{"metrics":{"${'a'.repeat(129)}":1}}`,
  '{"metrics":{"__proto__":1}}',
  '{"__proto__":{"v":1},"metrics":{"v":1}}',
  '{"metrics":{"v":1},"extra":1}',
  '{"device_id":"","metrics":{"v":1}}',
  `{"device_id":"${'d'.repeat(256)}","metrics":{"v":1}}`,
  `{"device_id":"${'d'.repeat(257)}","metrics":{"v":1}}`,
  '{"device_id":7,"metrics":{"v":1}}',
  '{"metrics":{"v":1},"labels":{}}',
  '{"metrics":{"v":1},"labels":{"a":1}}',
  '{"metrics":{"v":1},"labels":{"9":"x"}}',
  '{"metrics":{"v":1},"labels":[]}',
  `{"metrics":{"v":1},"labels":{"a":"${'x'.repeat(1024)}"}}`,
  `{"metrics":{"v":1},"labels":{"a":"${'x'.repeat(1025)}"}}`,
  JSON.stringify({ metrics: manyMetrics(1000) }),
  JSON.stringify({ metrics: manyMetrics(1001) }),
  JSON.stringify({ metrics: { v: 1 }, labels: manyLabels(64) }),
  JSON.stringify({ metrics: { v: 1 }, labels: manyLabels(65) }),
  '[]',
  'null',
  '"text"',
  '12',
  '{}',
];

describe('isPlainDeviceMetrics', () => {
  it.each(bodies)('agrees with the compiled schema on %s', (text) => {
    const body: unknown = JSON.parse(text);
    expect(isPlainDeviceMetrics(body)).toBe(typebox.Check(body));
  });

  it('agrees with the compiled schema the second time too (names it accepted are remembered)', () => {
    for (const text of [...bodies, ...bodies]) {
      const body = JSON.parse(text) as unknown;
      expect(isPlainDeviceMetrics(body)).toBe(typebox.Check(body));
    }
  });

  it('agrees with the compiled schema on simulated fleet readings', () => {
    const fleet = new Fleet({ devices: 50, seed: 3, intervalS: 10, startMs: Date.parse('2026-01-01T00:00:00Z') });
    for (let i = 0; i < 500; i++) {
      const body: unknown = JSON.parse(JSON.stringify(fleet.nextReading().body));
      expect(typebox.Check(body)).toBe(true);
      expect(isPlainDeviceMetrics(body)).toBe(true);
    }
  });

  it('refuses a key that is not the body’s own, leaving the decision to the compiled check', () => {
    const body = Object.create({ inherited: 1 }) as Record<string, unknown>;
    body.metrics = { v: 1 };
    expect(isPlainDeviceMetrics(body)).toBe(false);
  });
});
