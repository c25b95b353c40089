import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from './package-root.js';

const checker = join(packageRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const rules = join(packageRoot, '.dependency-cruiser.cjs');
const trees: string[] = [];

afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

/** Runs the layer rules, as `npm run lint:layers` does, over a small tree of these files (path to source). */
function check(files: Record<string, string>): { failed: boolean; output: string } {
  const tree = mkdtempSync(join(tmpdir(), 'sift-layers-'));
  trees.push(tree);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), source);
  }
  const roots = ['src', 'packages'].filter((root) => Object.keys(files).some((path) => path.startsWith(`${root}/`)));
  const run = spawnSync(process.execPath, [checker, ...roots, '--config', rules, '--output-type', 'err'], { cwd: tree, encoding: 'utf8' });
  return { failed: run.status !== 0, output: run.stdout + run.stderr };
}

const exporting = 'export const x = 1;\n';
const importing = (from: string) => `import { x } from '${from}';\nexport const y = x;\n`;

describe('layer rules', () => {
  it('fail on the contract importing a sink, naming the rule and the import', () => {
    const { failed, output } = check({
      'src/contract/subject-key.ts': importing('../sinks/clickhouse/retry.js'),
      'src/sinks/clickhouse/retry.ts': exporting,
    });
    expect(failed).toBe(true);
    expect(output).toContain('error contract-imports-nothing: src/contract/subject-key.ts → src/sinks/clickhouse/retry.ts');
  });

  describe('each forbidden direction', () => {
    // rule, importing file, its import, the file it reaches
    const forbidden: Array<[rule: string, from: string, specifier: string, to: string]> = [
      [
        'sources-never-import-sinks',
        'src/sources/jetstream/partition-source.ts',
        '../../sinks/clickhouse/writer.js',
        'src/sinks/clickhouse/writer.ts',
      ],
      ['sources-import-no-core', 'src/sources/jetstream/takeover.ts', '../../commit/journal/entry.js', 'src/commit/journal/entry.ts'],
      [
        'transforms-import-only-contract-and-util',
        'src/transforms/device-filter/decide.ts',
        '../../kinds/metrics/decode.js',
        'src/kinds/metrics/decode.ts',
      ],
      [
        'transforms-stay-in-their-folder',
        'src/transforms/error-storm/decide.ts',
        '../state-filter/decide.js',
        'src/transforms/state-filter/decide.ts',
      ],
      ['kinds-import-only-contract-transforms-util', 'src/kinds/kind.ts', '../config/load.js', 'src/config/load.ts'],
      ['telemetry-imports-only-label-vocabularies', 'src/telemetry/metrics.ts', '../kinds/registry.js', 'src/kinds/registry.ts'],
      ['util-imports-nothing', 'src/util/timing.ts', '../telemetry/logger.js', 'src/telemetry/logger.ts'],
      ['leaves-import-nothing', 'src/pipeline/result.ts', './router.js', 'src/pipeline/router.ts'],
      ['batch-imports-only-contract-and-util', 'src/batch/batch-policy.ts', '../telemetry/thread-cpu.js', 'src/telemetry/thread-cpu.ts'],
      ['config-imports-only-declarations', 'src/config/load.ts', '../sinks/clickhouse/client.js', 'src/sinks/clickhouse/client.ts'],
      ['sinks-import-no-core', 'src/sinks/dead-letter/dead-letter-publisher.ts', '../../commit/committer.js', 'src/commit/committer.ts'],
      ['pipeline-imports-no-commit', 'src/pipeline/fill-turns.ts', '../commit/hold.js', 'src/commit/hold.ts'],
      ['core-imports-no-source', 'src/commit/recover.ts', '../sources/jetstream/read-back.js', 'src/sources/jetstream/read-back.ts'],
      ['core-imports-no-feature', 'src/pipeline/router.ts', '../alerts/engine.js', 'src/alerts/engine.ts'],
      ['gateway-imports-only-below', 'src/gateway/routes.ts', '../pipeline/partition-pipeline.js', 'src/pipeline/partition-pipeline.ts'],
      ['only-wiring-imports-gateway', 'src/sinks/clickhouse/writer.ts', '../../gateway/limits.js', 'src/gateway/limits.ts'],
      ['only-cli-imports-worker', 'src/alerts/start.ts', '../worker/worker.js', 'src/worker/worker.ts'],
      ['nothing-imports-cli', 'src/bench/preload.ts', '../cli/simulate.js', 'src/cli/simulate.ts'],
      ['packages-import-only-contract', 'packages/client/src/subject.ts', '../../../src/kinds/registry.js', 'src/kinds/registry.ts'],
    ];
    let result: { failed: boolean; output: string };
    beforeAll(() => {
      const files: Record<string, string> = {};
      for (const [, from, specifier, to] of forbidden) {
        files[to] ??= exporting;
        files[from] = importing(specifier);
      }
      result = check(files);
    });

    it('fail the check', () => expect(result.failed).toBe(true));
    it.each(forbidden)('%s names %s', (rule, from, _specifier, to) => {
      expect(result.output).toContain(`error ${rule}: ${from} → ${to}`);
    });
  });

  it('fail on a cycle', () => {
    const { failed, output } = check({
      'src/kinds/kind.ts': importing('./registry.js'),
      'src/kinds/registry.ts': importing('./kind.js'),
    });
    expect(failed).toBe(true);
    expect(output).toContain('error no-circular');
  });

  it('fail on the edges the exactly-once core once had', () => {
    const { failed, output } = check({
      'src/pipeline/partition-pipeline.ts': importing('../sources/jetstream/ack-subject.js'),
      'src/sources/jetstream/ack-subject.ts': exporting,
      'src/sinks/clickhouse/writer.ts': importing('../../commit/journal/entry.js'),
      'src/commit/journal/entry.ts': exporting,
    });
    expect(failed).toBe(true);
    expect(output).toContain('error core-imports-no-source: src/pipeline/partition-pipeline.ts → src/sources/jetstream/ack-subject.ts');
    expect(output).toContain('error sinks-import-no-core: src/sinks/clickhouse/writer.ts → src/commit/journal/entry.ts');
    expect(output).not.toContain('(known)');
  });

  it('pass imports that point down', () => {
    const { failed, output } = check({
      'src/kinds/metrics/decode.ts': `${importing('../../contract/event-time.js')}export { z } from '../../util/timing.js';\n`,
      'src/contract/event-time.ts': exporting,
      'src/util/timing.ts': 'export const z = 1;\n',
    });
    expect(output).not.toContain('error');
    expect(failed).toBe(false);
  });
});
