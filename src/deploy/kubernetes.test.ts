import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../package-root.js';
import { schemaEnvNames } from '../config/env-names.js';
import { schema } from '../config/schema.js';
import { consumerName } from '../sources/jetstream/subjects.js';

const dir = join(packageRoot, 'deploy/kubernetes');
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: any };

function manifests(): Manifest[] {
  const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
      expect(doc.errors, file).toEqual([]);
      return doc.toJS() as Manifest;
    }),
  );
}
const byKind = (kind: string) => {
  const found = manifests().filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const byName = (kind: string, name: string) => {
  const found = manifests().find((m) => m.kind === kind && m.metadata.name === name);
  expect(found, `${kind} ${name}`).toBeDefined();
  return found!;
};

describe('deploy/kubernetes', () => {
  it('the kustomization lists every manifest in the folder', () => {
    const listed = (parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] })
      .resources;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...listed].sort()).toEqual(files.sort());
    for (const m of manifests()) expect(m.metadata.name, `${m.kind} name`).toMatch(/^sift(-[a-z]+)*$/);
  });

  it('the Deployment probes /healthz and /readyz on the metrics port and runs non-root on a read-only root', () => {
    const deployment = byKind('Deployment');
    const pod = deployment.spec.template.spec;
    const [worker] = pod.containers;
    expect(worker.ports).toEqual([{ name: 'metrics', containerPort: schema.telemetry.metricsPort.default, protocol: 'TCP' }]);
    expect(worker.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(worker.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(worker.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(worker.resources.limits).toMatchObject({ memory: expect.any(String) });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(worker.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const tmp = pod.volumes.find((v: { name: string }) => v.name === 'tmp');
    expect(tmp.emptyDir).toBeDefined();
    expect(worker.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  it('the grace period outlasts the shutdown timeout, the default and the one the ConfigMap sets', () => {
    const grace = byKind('Deployment').spec.template.spec.terminationGracePeriodSeconds * 1000;
    const configured = Number(byKind('ConfigMap').data.SHUTDOWN_TIMEOUT_MS ?? schema.telemetry.shutdownTimeoutMs.default);
    expect(grace).toBeGreaterThan(schema.telemetry.shutdownTimeoutMs.default);
    expect(grace).toBeGreaterThan(configured);
  });

  it('every environment variable named is one the config schema reads; secrets come from the Secret', () => {
    const known = schemaEnvNames();
    const config = byKind('ConfigMap');
    const secret = byName('Secret', 'sift-secrets');
    const migrateSecret = byName('Secret', 'sift-migrate-secrets');
    const named = [...Object.keys(config.data), ...Object.keys(secret.stringData), ...Object.keys(migrateSecret.stringData)];
    const [worker] = byKind('Deployment').spec.template.spec.containers;
    for (const e of worker.env ?? []) named.push(e.name);
    for (const name of named) expect(known, `${name} is not in the config schema`).toContain(name);
    expect(Object.keys(secret.stringData).sort()).toEqual(['CLICKHOUSE_PASSWORD', 'NATS_PASSWORD', 'NATS_USER']);
    for (const key of ['CLICKHOUSE_PASSWORD', 'NATS_PASSWORD', 'NATS_TOKEN'])
      expect(config.data, `${key} in the ConfigMap`).not.toHaveProperty(key);
    expect(worker.envFrom).toEqual([{ configMapRef: { name: config.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
    expect(config.data.STREAM_REPLICAS).toBe('3');
  });

  it('a Job migrates as an admin; the workers run as sift_worker (writer role) and do not migrate', () => {
    const config = byKind('ConfigMap');
    expect(config.data).toMatchObject({ CLICKHOUSE_USER: 'sift_worker', WORKER_MIGRATE: 'false' });
    const migrateSecret = byName('Secret', 'sift-migrate-secrets');
    expect(Object.keys(migrateSecret.stringData).sort()).toEqual(['CLICKHOUSE_PASSWORD', 'CLICKHOUSE_USER']);
    const job = byKind('Job');
    const pod = job.spec.template.spec;
    const [migrate] = pod.containers;
    expect(migrate.args).toEqual(['migrate']);
    expect(migrate.image).toBe(byKind('Deployment').spec.template.spec.containers[0].image);
    // envFrom: the later source wins, so the admin's user replaces the ConfigMap's worker user.
    expect(migrate.envFrom).toEqual([
      { configMapRef: { name: config.metadata.name } },
      { secretRef: { name: migrateSecret.metadata.name } },
    ]);
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(migrate.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(migrate.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    // Only the Job sees the admin's credentials.
    const worker = byKind('Deployment').spec.template.spec.containers[0];
    expect(JSON.stringify(worker)).not.toContain(migrateSecret.metadata.name);
  });

  it('the Service, ServiceMonitor and PodDisruptionBudget select the worker pods and the metrics port', () => {
    const labels = byKind('Deployment').spec.template.metadata.labels;
    const service = byKind('Service');
    expect(service.metadata.name).toBe('sift'); // becomes job="sift", which the alert rules select
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'metrics', port: 9464, targetPort: 'metrics' }));
    const monitor = byKind('ServiceMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect(monitor.spec.endpoints).toContainEqual(expect.objectContaining({ port: 'metrics', path: '/metrics' }));
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
  });

  it("KEDA scales on every partition consumer's backlog, up to PARTITIONS replicas", () => {
    const scaled = byKind('ScaledObject');
    const partitions = Number(byKind('ConfigMap').data.PARTITIONS ?? schema.nats.partitions.default);
    expect(scaled.spec.scaleTargetRef.name).toBe(byKind('Deployment').metadata.name);
    expect(scaled.spec.maxReplicaCount).toBe(partitions);
    const triggers = scaled.spec.triggers as Array<{ type: string; name: string; metadata: Record<string, string> }>;
    expect(triggers.map((t) => t.metadata.consumer)).toEqual(
      Array.from({ length: partitions }, (_, p) => consumerName(schema.nats.consumer.prefix.default, p)),
    );
    for (const t of triggers) {
      expect(t.type).toBe('nats-jetstream');
      expect(t.metadata.stream).toBe(schema.nats.stream.default);
      expect(scaled.spec.advanced.scalingModifiers.formula).toContain(t.name);
    }
    expect(scaled.spec.advanced.scalingModifiers.formula.split('+')).toHaveLength(partitions);
  });
});
