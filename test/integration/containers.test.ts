import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { createClient } from '@clickhouse/client';
import type { StartedTestContainer } from 'testcontainers';
import { packageRoot } from '../../src/package-root.js';
import { siftOk } from '../helpers/cli.js';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';

/**
 * Sift against a ClickHouse server over HTTP and a NATS server, both the images
 * deploy/docker/compose.yaml runs, started by testcontainers where a container runtime answers.
 * The integration files that take CLICKHOUSE_URL and NATS_URL run again against them, then the
 * least-privilege roles of deploy/clickhouse/roles.sql are checked on the real server.
 */

// The integration files whose checks go through the HTTP client when CLICKHOUSE_URL is set.
const HTTP_PATH_FILES = [
  'test/integration/clickhouse-sink.test.ts', // migrations, inserts with deduplication tokens
  'test/integration/insert-retry.test.ts', // retried inserts stored once
  'test/integration/crash-recovery.test.ts', // a worker killed mid-stream, exactly once
  'test/integration/three-workers.test.ts', // three processes on one server, one SIGKILLed
  'test/integration/guide-metrics.test.ts', // the analyst guide's parameterized views
];

const compose = parse(readFileSync(join(packageRoot, 'deploy/docker/compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image: string }>;
};
const clickhouseImage = compose.services.clickhouse!.image;
const natsImage = compose.services['nats-1']!.image;

type Testcontainers = typeof import('testcontainers');

/** testcontainers, or why no container can run here (its own runtime check, or a failed load). */
async function containerRuntime(): Promise<Testcontainers | string> {
  try {
    const testcontainers = await import('testcontainers');
    await testcontainers.getContainerRuntimeClient();
    return testcontainers;
  } catch (error) {
    return (error as Error).message.split('\n')[0]!;
  }
}

describe(`Sift against ${clickhouseImage} and ${natsImage} containers`, () => {
  let skipped: string | undefined;
  const containers: StartedTestContainer[] = [];
  const admin = { user: 'sift_admin', password: randomBytes(12).toString('hex') };
  let clickhouseUrl = '';
  let natsUrl = '';

  beforeAll(async () => {
    const runtime = await containerRuntime();
    if (typeof runtime === 'string') {
      skipped = runtime;
      console.warn(`no container runtime (${runtime}): the ClickHouse and NATS container checks are skipped`);
      return;
    }
    const { GenericContainer, Wait } = runtime;
    const clickhouse = await new GenericContainer(clickhouseImage)
      .withEnvironment({ CLICKHOUSE_USER: admin.user, CLICKHOUSE_PASSWORD: admin.password, CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1' })
      .withExposedPorts(8123)
      .withUlimits({ nofile: { soft: 262_144, hard: 262_144 } })
      .withWaitStrategy(Wait.forHttp('/ping', 8123))
      .withStartupTimeout(180_000)
      .start();
    containers.push(clickhouse);
    const nats = await new GenericContainer(natsImage)
      .withCommand(['--jetstream', '--store_dir', '/data', '--http_port', '8222'])
      .withExposedPorts(4222, 8222)
      .withWaitStrategy(Wait.forHttp('/healthz?js-enabled-only=true', 8222))
      .withStartupTimeout(120_000)
      .start();
    containers.push(nats);
    clickhouseUrl = `http://${admin.user}:${admin.password}@${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`;
    natsUrl = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }, 600_000);

  afterAll(async () => {
    for (const container of containers.reverse()) await container.stop({ remove: true }).catch(() => undefined);
  }, 120_000);

  it('the integration files of the HTTP path pass against the servers', async (context) => {
    if (skipped) return context.skip();
    const vitest = join(packageRoot, 'node_modules/vitest/vitest.mjs');
    const child = spawn(process.execPath, [vitest, 'run', '--project', 'integration', ...HTTP_PATH_FILES], {
      cwd: packageRoot,
      env: { ...process.env, CLICKHOUSE_URL: clickhouseUrl, NATS_URL: natsUrl },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, `vitest ${HTTP_PATH_FILES.join(' ')} against the containers`).toBe(0);
  }, 1_800_000);

  describe('deploy/clickhouse/roles.sql on the server', () => {
    let t: SiftTestEnv | undefined;
    afterAll(async () => {
      await t?.dispose();
    });

    it('a worker with the writer role stores what it consumes and cannot change the schema; an analyst only reads', async (context) => {
      if (skipped) return context.skip();
      const host = new URL(clickhouseUrl).host;
      const passwords = { writer: randomBytes(12).toString('hex'), analyst: randomBytes(12).toString('hex') };
      // roles.sql grants on the database "telemetry"; the shared NATS server gets unique stream names.
      process.env.NATS_URL = natsUrl;
      t = await siftTestEnv({ CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: 'telemetry' });
      await siftOk(['migrate'], t.env);

      const adminClient = createClient({ url: clickhouseUrl });
      try {
        let passwordIndex = 0;
        for (const statement of sqlStatements(readFileSync(join(packageRoot, 'deploy/clickhouse/roles.sql'), 'utf8'))) {
          // The file's placeholders, in order: the worker's password, then the analyst's.
          const query = statement.replace(/'REPLACE_ME'/g, () => `'${passwordIndex++ === 0 ? passwords.writer : passwords.analyst}'`);
          await adminClient.command({ query });
        }
      } finally {
        await adminClient.close();
      }

      const writerUrl = `http://sift_worker:${passwords.writer}@${host}`;
      await siftOk(['simulate', '--devices', '20', '--count', '400'], t.env);
      await siftOk(['worker', '--until-idle'], { ...t.env, CLICKHOUSE_URL: writerUrl, WORKER_MIGRATE: 'false' });
      const stored = Number((await siftOk(['query', 'SELECT count() FROM device_metrics', '--format', 'TSV'], t.env)).trim());
      expect(stored).toBeGreaterThan(0);

      const writer = createClient({ url: writerUrl });
      const analyst = createClient({ url: `http://sift_analyst_user:${passwords.analyst}@${host}` });
      try {
        await expect(writer.command({ query: 'DROP TABLE telemetry.device_metrics' })).rejects.toThrow(
          /ACCESS_DENIED|Not enough privileges/,
        );
        await expect(writer.command({ query: 'ALTER TABLE telemetry.device_metrics DELETE WHERE 1' })).rejects.toThrow(
          /ACCESS_DENIED|Not enough privileges/,
        );
        const read = await (
          await analyst.query({
            query: 'SELECT count() AS n FROM telemetry.device_metrics',
            format: 'JSONEachRow',
            clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
          })
        ).json<{ n: number }>();
        expect(read).toEqual([{ n: stored }]);
        await expect(analyst.command({ query: 'TRUNCATE TABLE telemetry.device_metrics' })).rejects.toThrow(
          /ACCESS_DENIED|Not enough privileges|readonly/i,
        );
      } finally {
        await writer.close();
        await analyst.close();
      }
    }, 300_000);
  });
});

/** The statements of a SQL file, comments dropped. */
function sqlStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
