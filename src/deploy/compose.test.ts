import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../package-root.js';
import { schemaEnvNames } from '../config/env-names.js';
import { schema } from '../config/schema.js';

const read = (path: string) => readFileSync(join(packageRoot, path), 'utf8');

interface Service {
  image?: string;
  command?: string[];
  ports?: string[];
  restart?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}
const compose = parse(read('deploy/docker/compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

describe('deploy/docker/compose.yaml', () => {
  it('runs a 3-node NATS cluster, ClickHouse, a one-shot migrate, two workers, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'clickhouse',
      'grafana',
      'migrate',
      'nats-1',
      'nats-2',
      'nats-3',
      'prometheus',
      'worker-1',
      'worker-2',
    ]);
  });

  it('runs a NATS release with every feature Sift uses (2.14: consumer reset for immediate takeover)', () => {
    for (const name of ['nats-1', 'nats-2', 'nats-3']) {
      const [major, minor] = (/^nats:(\d+)\.(\d+)/.exec(compose.services[name]!.image!) ?? []).slice(1).map(Number);
      expect(major! * 100 + minor!, compose.services[name]!.image).toBeGreaterThanOrEqual(214);
    }
  });

  it('migrates once with the admin user, then runs workers with the writer role of roles.sql and no DDL', () => {
    const clickhouse = compose.services.clickhouse!;
    const migrate = compose.services.migrate!;
    expect(migrate.command).toEqual(['migrate']);
    expect(migrate.restart).toBe('no');
    expect(migrate.environment).toMatchObject({
      CLICKHOUSE_USER: clickhouse.environment!.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: clickhouse.environment!.CLICKHOUSE_PASSWORD,
    });
    const roles = read('deploy/clickhouse/roles.sql');
    expect(roles).toMatch(/CREATE USER IF NOT EXISTS sift_worker .*DEFAULT ROLE sift_writer/);
    expect(clickhouse.volumes).toEqual(
      expect.arrayContaining([
        '../clickhouse/roles.sql:/etc/sift/roles.sql:ro',
        '../clickhouse/init-roles.sh:/docker-entrypoint-initdb.d/init-roles.sh:ro',
      ]),
    );
    for (const worker of ['worker-1', 'worker-2']) {
      const s = compose.services[worker]!;
      expect(s.environment).toMatchObject({
        CLICKHOUSE_USER: 'sift_worker',
        WORKER_MIGRATE: 'false',
        CLICKHOUSE_DATABASE: migrate.environment!.CLICKHOUSE_DATABASE,
      });
      expect(s.environment!.CLICKHOUSE_PASSWORD).not.toBe(clickhouse.environment!.CLICKHOUSE_PASSWORD);
      expect(s.depends_on!.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
    for (const key of Object.keys(migrate.environment!)) expect(schemaEnvNames(), key).toContain(key);
  });

  it('binds every published port to the loopback interface only', () => {
    const ports = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(ports.length).toBeGreaterThan(5);
    for (const [name, port] of ports) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('starts NATS with auth on and ClickHouse with a password from the environment', () => {
    for (const name of ['nats-1', 'nats-2', 'nats-3']) {
      const nats = compose.services[name]!;
      expect(nats.command).toEqual(['-c', '/etc/nats/nats.conf']);
      expect(nats.volumes).toContain('../nats/accounts.conf:/etc/nats/accounts.conf:ro');
      expect(nats.environment?.NATS_SERVER_NAME).toBe(name);
    }
    expect(read('deploy/nats/nats.conf')).toContain('include ./accounts.conf');
    expect(read('deploy/nats/accounts.conf')).toMatch(/user: sift\s+password: \$NATS_SIFT_PASSWORD/);
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD/.test(key)) expect(value, `${name} ${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
    for (const worker of ['worker-1', 'worker-2'])
      expect(compose.services[worker]!.environment).toMatchObject({ NATS_USER: 'sift', STREAM_REPLICAS: '3' });
  });

  it('waits for healthy dependencies (or the one-shot migrate to succeed), restarts unless stopped, and gives workers time to drain', () => {
    for (const [name, s] of services) {
      if (name === 'migrate') continue;
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.healthcheck?.test.length, `${name} healthcheck`).toBeGreaterThan(1);
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        if (dependency === 'migrate') continue;
        expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
        expect(compose.services[dependency]?.healthcheck, `${dependency} has a healthcheck`).toBeDefined();
      }
    }
    for (const worker of ['worker-1', 'worker-2']) {
      const s = compose.services[worker]!;
      expect(Object.keys(s.depends_on!).sort()).toEqual(['clickhouse', 'migrate', 'nats-1', 'nats-2', 'nats-3']);
      expect(parseInt(s.stop_grace_period!, 10) * 1000).toBeGreaterThan(
        Number(s.environment!.SHUTDOWN_TIMEOUT_MS ?? schema.telemetry.shutdownTimeoutMs.default),
      );
      for (const key of Object.keys(s.environment!)) expect(schemaEnvNames(), key).toContain(key);
    }
  });

  it('provisions Grafana with the dashboard and a Prometheus datasource, and Prometheus with the rules', () => {
    const grafana = compose.services.grafana!;
    for (const [name, s] of services) {
      for (const volume of (s.volumes ?? []).filter((v) => v.startsWith('.')))
        expect(existsSync(join(packageRoot, 'deploy/docker', volume.split(':')[0]!)), `${name}: ${volume}`).toBe(true);
    }
    expect(grafana.volumes).toContain('../grafana/sift-dashboard.json:/var/lib/grafana/dashboards/sift-dashboard.json:ro');
    const datasource = parse(read('deploy/grafana/provisioning/datasources/prometheus.yaml')) as {
      datasources: Array<{ type: string; url: string }>;
    };
    expect(datasource.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const scrape = parse(read('deploy/prometheus/compose-prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    expect(scrape.rule_files).toEqual(['sift-alerts.yml']);
    expect(scrape.scrape_configs[0]).toMatchObject({ job_name: 'sift', static_configs: [{ targets: ['worker-1:9464', 'worker-2:9464'] }] });
  });

  it('the image is built in two stages on the pinned Node LTS and runs as a non-root user; .dockerignore keeps data and secrets out', () => {
    const dockerfile = read('deploy/docker/Dockerfile');
    const bases = [...dockerfile.matchAll(/^FROM node:\$\{NODE_VERSION\}[^\s]* ?(?:AS (\w+))?$/gm)];
    expect(bases).toHaveLength(2);
    expect(Number(/^ARG NODE_VERSION=(\d+)$/m.exec(dockerfile)?.[1])).toBeGreaterThanOrEqual(26);
    expect(dockerfile).toMatch(/^USER node$/m);
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', '**/node_modules', '**/dist', 'data', '**/.env', '**/*.creds']) expect(ignored).toContain(entry);
  });
});
