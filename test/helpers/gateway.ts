import { loadConfig, type SiftConfig } from '../../src/config/load.js';
import { kinds } from '../../src/kinds/registry.js';
import { hashSecret, keyRecord, newSecret, type KeySpec } from '../../src/gateway/keys/key-record.js';
import { KeyStore, keysBucket } from '../../src/gateway/keys/key-store.js';
import { startGateway, type GatewayStartOptions, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { testLogger, type SiftTestEnv } from './sift-env.js';

/** The test env's config with gateway settings on top (port 0: any free one). */
export function gatewayConfig(t: SiftTestEnv, overrides: NodeJS.ProcessEnv = {}): SiftConfig {
  return loadConfig({ env: { ...t.env, GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1', NODE_ENV: undefined, ...overrides } });
}

export async function startTestGateway(
  t: SiftTestEnv,
  overrides: NodeJS.ProcessEnv = {},
  options: GatewayStartOptions = {},
): Promise<RunningGateway & { url: string }> {
  const gateway = await startGateway(gatewayConfig(t, overrides), testLogger, options);
  return Object.assign(gateway, { url: `http://127.0.0.1:${gateway.port}` });
}

/** Creates a key in the test's bucket as `sift keys create` does; returns its secret. */
export async function createKey(t: SiftTestEnv, spec: KeySpec): Promise<string> {
  const secret = newSecret();
  const made = keyRecord(
    spec,
    hashSecret(secret),
    new Date(),
    kinds.map((k) => k.name),
  );
  if (!made.ok) throw new Error(made.problem);
  const store = await KeyStore.open(t.nc, keysBucket(t.config.nats.consumer.prefix), 1);
  if (!(await store.create(made.value))) throw new Error(`key ${spec.name} exists`);
  return secret;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** A request to the gateway; the answer's body parsed as JSON when it is JSON. */
export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const response = await fetch(url, {
    method: json !== undefined || rest.body !== undefined ? 'POST' : 'GET',
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: response.headers, body };
}
