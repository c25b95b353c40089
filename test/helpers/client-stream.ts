import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { kinds } from '../../src/kinds/registry.js';

/** One message as stored in the telemetry stream, its subject read back as <prefix>.<kind>.<partition>.<key>. */
export interface StoredEvent {
  seq: number;
  kind: string;
  key: string;
  msgId: string | undefined;
  body: Record<string, unknown>;
}

/** Every message of a stream, in stream order. */
export async function storedEvents(nc: NatsConnection, stream: string): Promise<StoredEvent[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: StoredEvent[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq });
    if (!msg) continue;
    const [, kind, , ...key] = msg.subject.split('.');
    out.push({ seq, kind: kind!, key: key.join('.'), msgId: msg.header?.get('Nats-Msg-Id'), body: msg.json<Record<string, unknown>>() });
  }
  return out;
}

const T = '2026-11-23T10:00:00Z';
/** A body per kind of issue 9's contract, for kinds that carry no simulator. */
const FIXTURES: Record<string, (i: number) => { key: string; body: Record<string, unknown> }> = {
  metrics: (i) => ({ key: `dev-${i}`, body: { ts: T, metrics: { temp: 20 + i } } }),
  state: (i) => ({ key: `dev-${i}`, body: { ts: T, state: i % 2 ? 'online' : 'offline' } }),
  api: (i) => ({ key: 'billing', body: { ts: T, method: 'GET', endpoint: '/invoices/:id', status: 200 + i, duration_ms: 12 } }),
  job: (i) => ({ key: 'sync', body: { ts: T, job_id: `job-${i}`, status: 'success', duration_ms: 1500 } }),
  error: (i) => ({ key: 'billing', body: { ts: T, category: 'database', severity: 'error', message: `connection ${i} refused` } }),
  activity: (i) => ({ key: 'portal', body: { ts: T, session_id: `s-${i}`, activity_type: 'page_view', page_url: '/home' } }),
  usage: () => ({ key: 'portal', body: { ts: T, event: 'export', feature: 'reports' } }),
  heartbeat: (i) => ({ key: `inst-${i}`, body: { ts: T, app: 'desk', version: '1.0.0', interval_s: 3600 } }),
};

/** `count` valid events of a kind: from its simulator when it has one, else from the contract's fixture. */
export function sampleEvents(kind: string, count: number): Array<{ key: string; body: Record<string, unknown> }> {
  const module = kinds.find((k) => k.name === kind);
  if (module?.simulator) {
    const simulator = module.simulator({ seed: 11, startMs: Date.parse(T), keys: 3 });
    return Array.from({ length: count }, () => simulator.next());
  }
  const fixture = FIXTURES[kind];
  if (!fixture) throw new Error(`kind ${kind} has neither a simulator nor a fixture in test/helpers/client-stream.ts`);
  return Array.from({ length: count }, (_, i) => fixture(i));
}
