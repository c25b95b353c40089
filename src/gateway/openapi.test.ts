import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/load.js';
import { kinds } from '../kinds/registry.js';
import { createLogger } from '../telemetry/logger.js';
import { createGatewayMetrics } from '../telemetry/metrics.js';
import { buildGateway } from './build-gateway.js';
import type { CompatRoute } from './compat/compat-route.js';
import type { KeyDirectory } from './keys/key-directory.js';
import { KeyBudgets } from './limits/key-budgets.js';
import type { PublishLink } from './publishing/publish-link.js';
import { queryRouteTable } from './queries/index.js';

const compat: CompatRoute = {
  method: 'POST',
  url: '/api/v1/example',
  summary: "An example of a replaced system's endpoint",
  body: { type: 'object', properties: { event_type: { type: 'string' } } } as unknown as CompatRoute['body'],
  toEvents: () => ({ ok: true, events: [] }),
  respond: () => ({ status: 200, body: {} }),
};

async function openApi(): Promise<any> {
  const app = buildGateway({
    config: loadConfig({ env: {} }),
    // The document needs no keys and no NATS: nothing here is called.
    keys: {} as KeyDirectory,
    link: {} as PublishLink,
    budgets: new KeyBudgets(),
    metrics: createGatewayMetrics(new Registry(), kinds),
    log: createLogger('silent'),
    live: () => true,
    readiness: () => ({ ready: true, checks: {} }),
    reads: { ok: false, reason: 'no ClickHouse in this test' },
    compat: [compat],
  });
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    return response.json();
  } finally {
    await app.close();
  }
}

describe('/openapi.json', () => {
  it("lists every route from its schema, the replaced systems' and the read routes included", async () => {
    const doc = await openApi();
    expect(doc.openapi).toBe('3.1.0');
    const reads = [...queryRouteTable.map((r) => r.url.replace(/:(\w+)/g, '{$1}')), '/status'];
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/api/v1/example', '/healthz', '/readyz', '/v1/batch', '/v1/events/{kind}/{key}', ...reads].sort(),
    );
    expect(
      doc.paths['/api/v1/metrics/device-state-history/{device_id}'].get.parameters.map((p: { name: string }) => p.name).sort(),
    ).toEqual(['device_id', 'hours']);
    const events = doc.paths['/v1/events/{kind}/{key}'].post;
    expect(events.parameters.find((p: { name: string }) => p.name === 'kind').schema.enum).toEqual(kinds.map((k) => k.name));
    expect(Object.keys(events.requestBody.content)).toEqual(['application/json', 'application/x-ndjson', 'text/plain']);
    expect(Object.keys(events.responses)).toEqual(['202', '400', '401', '403', '413', '415', '429', '503']);
    expect(doc.paths['/api/v1/example'].post.summary).toBe(compat.summary);
  });

  it("carries every kind's published schema as a component, and every reference resolves", async () => {
    const doc = await openApi();
    for (const kind of kinds) {
      expect(doc.components.schemas[kind.schemaFile]).toMatchObject({ title: kind.schema.title, required: kind.schema.required });
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const name = /#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name && doc.components.schemas[name], ref).toBeTruthy();
    }
  });
});
