import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const read = (path: string) => readFileSync(join(packageRoot, path), 'utf8');
const json = (path: string) =>
  JSON.parse(read(path)) as { engines: { node: string }; devDependencies?: Record<string, string>; scripts: Record<string, string> };
const pinned = read('.node-version').trim();
const oldestMajor = (range: string) => Number(/^>=\s*(\d+)/.exec(range)?.[1]);

describe('the Node Sift runs on', () => {
  it('.node-version pins one release of an LTS line, and the Dockerfile builds every stage on that line', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(pinned.split('.')[0]) % 2, 'an even major: the lines that become LTS').toBe(0);
    const dockerfile = read('deploy/docker/Dockerfile');
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_VERSION=${pinned.split('.')[0]}$`, 'm'));
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(1);
    for (const image of froms) expect(image).toMatch(/^node:\$\{NODE_VERSION\}-[a-z]+-slim$/);
  });

  it('every claim names the same oldest supported line (22, the oldest LTS still maintained), which the type definitions follow', () => {
    const root = json('package.json');
    const oldest = oldestMajor(root.engines.node);
    expect(oldest).toBe(22);
    expect(oldestMajor(json('packages/client/package.json').engines.node)).toBe(oldest);
    // Types of the oldest line: code that calls a newer Node's API does not compile.
    expect(root.devDependencies!['@types/node']).toMatch(new RegExp(`^\\^${oldest}\\.`));
    expect(read('README.md')).toContain(`Sift runs on Node.js ${oldest} or newer`);
    expect(Number(pinned.split('.')[0])).toBeGreaterThanOrEqual(oldest);
  });

  it("the README's commands and CI run on the pinned Node, fetched where the machine has another", () => {
    const { scripts } = json('package.json');
    for (const name of ['test', 'demo', 'bench', 'chaos', 'test:unit', 'test:integration'])
      expect(scripts[name], name).toMatch(/^bash scripts\/with-node\.sh /);
    expect(read('scripts/fetch-node.sh')).toContain('.node-version');
    const ci = read('.ci/run');
    const line = (pattern: RegExp) => ci.split('\n').findIndex((l) => pattern.test(l));
    expect(line(/^source scripts\/with-node\.sh$/)).toBeGreaterThan(-1);
    expect(line(/^source scripts\/with-node\.sh$/)).toBeLessThan(line(/^npm install /));
  });
});
