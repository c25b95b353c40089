import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'sift-config-file-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const load = (path: string, env: NodeJS.ProcessEnv = {}) => loadConfig({ env, file: path });

describe('--config FILE', () => {
  it('reads YAML (.yaml or .yml) as well as JSON; the environment still wins', () => {
    const yaml = file('sift.yaml', '# production\nnats:\n  url: nats://nats-1:4222\n  partitions: 8\nbatch:\n  maxRows: 2000\n');
    expect(load(yaml).nats.partitions).toBe(8);
    expect(load(yaml).batch.maxRows).toBe(2000);
    expect(load(yaml, { PARTITIONS: '4' }).nats.partitions).toBe(4);
    expect(load(file('sift.yml', 'clickhouse: {database: analytics}\n')).clickhouse.database).toBe('analytics');
    expect(load(file('sift.json', '{"nats": {"partitions": 2}}')).nats.partitions).toBe(2);
    expect(load(file('empty.yaml', '# nothing yet\n')).nats.partitions).toBe(16);
  });

  it('a file that does not parse is named, with where it breaks', () => {
    const badYaml = file('bad.yaml', 'nats:\n  url: nats://x:4222\n   partitions: 8\n');
    expect(() => load(badYaml)).toThrow(new RegExp(`^invalid configuration: ${badYaml}: not valid YAML: .*at line \\d+, column \\d+$`));
    const badJson = file('bad.json', '{"nats": {"partitions": 8,}}');
    expect(() => load(badJson)).toThrow(new RegExp(`^invalid configuration: ${badJson}: not valid JSON: `));
    expect(() => load(file('list.yaml', '- a\n- b\n'))).toThrow(
      `invalid configuration: ${join(dir, 'list.yaml')}: must hold a mapping of settings`,
    );
  });

  it('an unknown key or a bad value is named with the file it is in', () => {
    const unknown = file('unknown.yaml', 'nats:\n  urll: nats://x:4222\n');
    expect(() => load(unknown)).toThrow(new RegExp(`^invalid configuration in ${unknown}: .*nats\\.urll`));
    const bad = file('bad-value.yaml', 'nats:\n  partitions: many\n');
    expect(() => load(bad)).toThrow(`invalid configuration in ${bad}: nats.partitions (PARTITIONS): must be a whole number ≥ 1`);
  });
});
