import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { packageRoot } from '../../src/package-root.js';
import { baseEnv, reenactDockerfile, run, stageImages, type Stage } from '../helpers/dockerfile-stages.js';

const dockerfile = join(packageRoot, 'deploy/docker/Dockerfile');
const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The Node the image's base provides: scripts/fetch-node.sh finds or fetches that major. */
function imageNodeBinDir(): string {
  const [image] = stageImages(dockerfile);
  const major = /^node:(\d+)/.exec(image ?? '')?.[1];
  if (!major) throw new Error(`the image does not start from node:<version>: ${image}`);
  const node = execFileSync('bash', [join(packageRoot, 'scripts/fetch-node.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const found = execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim();
  expect(found, 'scripts/fetch-node.sh gives the Node major of the image').toBe(major);
  return dirname(node);
}

describe('deploy/docker/Dockerfile, re-enacted without Docker', () => {
  const stages: Stage[] = [];
  afterAll(() => {
    for (const stage of stages) rmSync(stage.root, { recursive: true, force: true });
  });

  it('every stage builds from the build context less .dockerignore, and the final stage runs sift', { timeout: 600_000 }, async () => {
    const nodeBinDir = imageNodeBinDir();
    stages.push(
      ...(await reenactDockerfile({ context: packageRoot, dockerfile, nodeBinDir, log: (line) => process.stderr.write(`  ${line}\n`) })),
    );
    const final = stages.at(-1)!;
    const app = join(final.root, final.workdir);
    const env = { ...baseEnv(nodeBinDir), ...final.env };
    const entrypoint = async (...args: string[]) => run([...final.entrypoint, ...args], { cwd: app, env });

    expect(final.cmd).toEqual(['worker']);
    // Only runtime dependencies reach the image.
    expect(existsSync(join(app, 'node_modules/chdb'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/vitest')), 'dev dependencies pruned').toBe(false);

    const versionRun = await entrypoint('--version');
    expect(versionRun.code, versionRun.output).toBe(0);
    expect(versionRun.stdout.trim()).toBe(version);

    const help = await entrypoint(...final.cmd, '--help');
    expect(help.code, help.output).toBe(0);

    // The embedded engine loads in the image and the migrations ship with it.
    const data = mkdtempSync(join(tmpdir(), 'sift-image-data-'));
    try {
      const dryRun = await run([...final.entrypoint, 'migrate', '--dry-run'], {
        cwd: app,
        env: { ...env, CLICKHOUSE_EMBEDDED_PATH: join(data, 'clickhouse'), LOG_LEVEL: 'warn' },
      });
      expect(dryRun.code, dryRun.output).toBe(0);
      expect(dryRun.stdout).toMatch(/pending migration\(s\)/);
      expect(dryRun.stdout).toMatch(/CREATE TABLE/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});

const dockerReachable = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

describe('deploy/docker/Dockerfile, built by Docker', () => {
  const tag = `sift-image-test:${randomBytes(4).toString('hex')}`;
  afterAll(() => {
    if (dockerReachable) spawnSync('docker', ['image', 'rm', '-f', tag], { stdio: 'ignore' });
  });

  it('builds, and the image prints its version and the migrations it would run', { timeout: 1_200_000 }, async (context) => {
    if (!dockerReachable) {
      console.warn('no Docker engine reachable (docker info failed): real image build skipped');
      return context.skip();
    }
    const build = await run(['docker', 'build', '-f', dockerfile, '-t', tag, packageRoot], {
      cwd: packageRoot,
      env: process.env as Record<string, string>,
    });
    expect(build.code, build.output.slice(-4000)).toBe(0);
    const versionRun = await run(['docker', 'run', '--rm', tag, '--version'], {
      cwd: packageRoot,
      env: process.env as Record<string, string>,
    });
    expect(versionRun.stdout.trim(), versionRun.output).toBe(version);
    const dryRun = await run(
      ['docker', 'run', '--rm', '-e', 'CLICKHOUSE_EMBEDDED_PATH=/tmp/clickhouse', '-e', 'LOG_LEVEL=warn', tag, 'migrate', '--dry-run'],
      { cwd: packageRoot, env: process.env as Record<string, string> },
    );
    expect(dryRun.code, dryRun.output).toBe(0);
    expect(dryRun.stdout).toMatch(/CREATE TABLE/);
  });
});
