import type { ClickHouseClient } from '@clickhouse/client';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** ClickHouse's DateTime64(3) text for an epoch-ms instant (UTC). */
const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const chHour = (ms: number) => chTime(ms - (ms % HOUR)).slice(0, 19);

export interface SeededActivity {
  app: string;
  session: string;
  user: string;
  ago: number;
}

/**
 * A small, hand-checkable picture of every kind, at times relative to `now`: what the read
 * routes and the Grafana panels are compared against. Inserted as the worker writes them (the
 * error rollup is fed by its partials, as the error kind does).
 */
export function seedData(now: number) {
  const activity: SeededActivity[] = [
    { app: 'web', session: 's1', user: 'u1', ago: 5 * MINUTE },
    { app: 'web', session: 's1', user: 'u1', ago: 4 * MINUTE },
    { app: 'web', session: 's2', user: 'u2', ago: 6 * MINUTE },
    { app: 'web', session: 's3', user: '', ago: 7 * MINUTE },
    { app: 'web', session: 's4', user: 'u3', ago: 2 * HOUR },
    { app: 'web', session: 's6', user: 'u4', ago: 3 * DAY },
    { app: 'web', session: 's7', user: 'u5', ago: 20 * DAY },
    { app: 'mobile', session: 's5', user: 'u1', ago: 10 * MINUTE },
  ];
  const api: Array<{ service: string; method: string; endpoint: string; status: number; duration: number; ago: number }> = [];
  for (let i = 0; i < 8; i++)
    api.push({
      service: 'shop',
      method: 'GET',
      endpoint: '/items',
      status: i === 0 ? 500 : i === 1 ? 404 : 200,
      duration: 10 * (i + 1),
      ago: 10 * MINUTE,
    });
  api.push({ service: 'shop', method: 'POST', endpoint: '/orders', status: 201, duration: 120, ago: 12 * MINUTE });
  api.push({ service: 'shop', method: 'POST', endpoint: '/orders', status: 503, duration: 900, ago: 12 * MINUTE });
  for (let i = 0; i < 4; i++)
    api.push({ service: 'auth', method: 'POST', endpoint: '/login', status: 200, duration: 2_500, ago: 3 * HOUR });
  api.push({ service: 'auth', method: 'GET', endpoint: '/me', status: 200, duration: 3_000, ago: 5 * MINUTE });
  api.push({ service: 'auth', method: 'GET', endpoint: '/me', status: 200, duration: 3_200, ago: 6 * MINUTE });
  for (let i = 0; i < 3; i++)
    api.push({ service: 'billing', method: 'GET', endpoint: '/invoices', status: 200, duration: 50, ago: 30 * HOUR });

  const errors: Array<{ source: string; category: string; severity: string; message: string; ago: number }> = [
    { source: 'shop', category: 'api', severity: 'error', message: 'upstream timeout', ago: 10 * MINUTE },
    { source: 'shop', category: 'api', severity: 'error', message: 'upstream reset', ago: 11 * MINUTE },
    { source: 'auth', category: 'api', severity: 'error', message: 'token expired', ago: 12 * MINUTE },
    { source: 'shop', category: 'api', severity: 'critical', message: 'payment provider down', ago: 2 * HOUR },
    { source: 'auth', category: 'database', severity: 'error', message: 'deadlock', ago: 5 * HOUR },
    { source: 'auth', category: 'database', severity: 'warning', message: 'slow query', ago: 5 * HOUR },
    { source: 'web', category: 'validation', severity: 'info', message: 'bad email', ago: 30 * HOUR },
  ];
  const jobs: Array<{ job_type: string; status: string; duration: number; ago: number }> = [
    { job_type: 'device_restart', status: 'success', duration: 5_000, ago: 20 * MINUTE },
    { job_type: 'device_restart', status: 'success', duration: 4_000, ago: 20 * MINUTE },
    { job_type: 'device_restart', status: 'success', duration: 6_000, ago: 20 * MINUTE },
    { job_type: 'device_restart', status: 'failure', duration: 9_000, ago: 20 * MINUTE },
    { job_type: 'backup', status: 'success', duration: 60_000, ago: 3 * HOUR },
    { job_type: 'backup', status: 'success', duration: 70_000, ago: 3 * HOUR },
    { job_type: 'backup', status: 'timeout', duration: 300_000, ago: 3 * HOUR },
    { job_type: 'report', status: 'success', duration: 1_000, ago: 50 * HOUR },
  ];
  const states: Array<{ device: string; state: string; previous: string; reason: string; store: string; ago: number }> = [
    { device: 'dev-1', state: 'online', previous: '', reason: '', store: 'first_contact', ago: 200 * HOUR },
    { device: 'dev-1', state: 'offline', previous: 'online', reason: 'network timeout', store: 'change', ago: 2 * HOUR },
    { device: 'dev-1', state: 'online', previous: 'offline', reason: 'reconnected', store: 'change', ago: 90 * MINUTE },
    { device: 'dev-1', state: 'offline', previous: 'online', reason: 'network timeout', store: 'change', ago: 30 * MINUTE },
    { device: 'dev-2', state: 'online', previous: '', reason: '', store: 'first_contact', ago: 3 * HOUR },
    { device: 'dev-3', state: 'online', previous: '', reason: '', store: 'first_contact', ago: 4 * HOUR },
    { device: 'dev-4', state: 'maintenance', previous: '', reason: 'scheduled', store: 'first_contact', ago: 1 * HOUR },
  ];
  const beats: Array<{ instance: string; app: string; interval: number; ago: number }> = [
    { instance: 'inst-a', app: 'timetracker', interval: 60, ago: 2 * DAY },
    { instance: 'inst-a', app: 'timetracker', interval: 60, ago: 1 * MINUTE },
    { instance: 'inst-b', app: 'timetracker', interval: 60, ago: 1 * HOUR },
    { instance: 'inst-b', app: 'timetracker', interval: 60, ago: 10 * MINUTE },
    { instance: 'inst-c', app: 'desk', interval: 3_600, ago: 10 * DAY },
    { instance: 'inst-c', app: 'desk', interval: 3_600, ago: 5 * HOUR },
  ];
  const usage: Array<{ app: string; feature: string; event: string; user: string; ago: number }> = [
    ...Array.from({ length: 5 }, (_, i) => ({ app: 'web', feature: 'export', event: 'export_started', user: `u${i % 2}`, ago: 1 * HOUR })),
    ...Array.from({ length: 3 }, () => ({ app: 'web', feature: 'search', event: 'search_run', user: 'u1', ago: 2 * HOUR })),
    { app: 'mobile', feature: 'sharing', event: 'link_shared', user: 'u2', ago: 30 * HOUR },
  ];
  return { now, activity, api, errors, jobs, states, beats, usage };
}

export type SeedData = ReturnType<typeof seedData>;

/** Inserts the seed into Sift's migrated tables in `database`. */
export async function insertSeed(client: ClickHouseClient, database: string, seed: SeedData): Promise<void> {
  const { now } = seed;
  let seq = 0;
  const insert = (table: string, values: Record<string, unknown>[]) =>
    client.insert({ table: `${database}.${table}`, values, format: 'JSONEachRow' });
  await insert(
    'user_activity',
    seed.activity.map((a) => ({
      ts: chTime(now - a.ago),
      app: a.app,
      session_id: a.session,
      user_id: a.user,
      activity_type: 'page_view',
      page_url: '/',
      element_id: '',
      search_query: '',
      duration_ms: null,
      metadata: {},
      stream_seq: ++seq,
    })),
  );
  await insert(
    'api_requests',
    seed.api.map((r) => ({
      ts: chTime(now - r.ago),
      service: r.service,
      method: r.method,
      endpoint: r.endpoint,
      status: r.status,
      duration_ms: r.duration,
      user_id: '',
      session_id: '',
      client_ip: '',
      user_agent: '',
      request_bytes: null,
      response_bytes: 100,
      error: r.status >= 500 ? 'failed' : '',
      stream_seq: ++seq,
    })),
  );
  await insert(
    'errors',
    seed.errors.map((e) => ({
      ts: chTime(now - e.ago),
      source: e.source,
      category: e.category,
      severity: e.severity,
      code: '',
      message: e.message,
      stack: '',
      context: {},
      fingerprint: '0123456789abcdef',
      repeats: 0,
      stream_seq: ++seq,
    })),
  );
  await insert(
    'error_partials',
    seed.errors.map((e) => ({ hour: chHour(now - e.ago), source: e.source, category: e.category, severity: e.severity, errors: 1 })),
  );
  await insert(
    'job_outcomes',
    seed.jobs.map((j, i) => ({
      ts: chTime(now - j.ago),
      job_type: j.job_type,
      job_id: `job-${i}`,
      status: j.status,
      duration_ms: j.duration,
      device_id: '',
      error_code: '',
      retry_count: 0,
      initiated_by: '',
      metadata: {},
      stream_seq: ++seq,
    })),
  );
  await insert(
    'device_states',
    seed.states.map((s) => ({
      ts: chTime(now - s.ago),
      device_id: s.device,
      state: s.state,
      previous_state: s.previous,
      changed_by: 'system',
      reason: s.reason,
      metadata: {},
      store_reason: s.store,
      stream_seq: ++seq,
    })),
  );
  await insert(
    'heartbeats',
    seed.beats.map((b) => ({
      ts: chTime(now - b.ago),
      instance_id: b.instance,
      app: b.app,
      version: '1.0.0',
      status: 'ok',
      interval_s: b.interval,
      os: 'linux',
      os_version: '',
      arch: 'x64',
      hostname: '',
      runtime: 'python',
      runtime_version: '3.12',
      cpu_count: null,
      memory_bytes: null,
      stream_seq: ++seq,
    })),
  );
  await insert(
    'usage_events',
    seed.usage.map((u) => ({
      ts: chTime(now - u.ago),
      app: u.app,
      event: u.event,
      feature: u.feature,
      user_id: u.user,
      instance_id: '',
      properties: {},
      stream_seq: ++seq,
    })),
  );
}

/** Distinct signed-in users over every app: today (UTC), the 7 and 30 days ending today, as the seed says. */
export function expectedActiveUsers(seed: SeedData) {
  const today = Math.floor(seed.now / DAY);
  const within = (days: number) =>
    new Set(seed.activity.filter((a) => a.user && today - Math.floor((seed.now - a.ago) / DAY) < days).map((a) => a.user)).size;
  return { daily: within(1), weekly: within(7), monthly: within(30) };
}
