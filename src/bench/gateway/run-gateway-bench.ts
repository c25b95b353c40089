import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '../../config/load.js';
import { connectNats } from '../../sources/jetstream/connect.js';
import { layoutOf, provision } from '../../sources/jetstream/provision.js';
import { publishSubject } from '../../sources/jetstream/subjects.js';
import { kindNamed } from '../../kinds/registry.js';
import { queryRouteTable, DEFAULT_QUERY_CACHE_TTL_MS } from '../../gateway/queries/index.js';
import { freePort, startNatsServer } from '../../tools/nats-server.js';
import { processCpuSeconds } from '../../telemetry/thread-cpu.js';
import { packageRoot } from '../../package-root.js';
import { sleep } from '../../util/timing.js';
import { preload } from '../preload.js';
import { kindsOfMix, runWorker } from '../run-bench.js';
import { createKeyWithCli, startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { loadAutocannon, runLoad, type LoadRequest, type LoadResult } from './http-load.js';
import { publishCeiling, type StreamEvent } from './publish-ceiling.js';
import { startQueryServer, type QueryServerProcess } from './query-server-process.js';
import { formatSpread, spread, type Spread } from './stats.js';

/** The targets of the gateway issue: batches at 0.7 × the ceiling's events/s; single events at half their maximum with p99 ≤ 25 ms. */
export const BATCH_TARGET_RATIO = 0.7;
export const HALF_RATE_P99_TARGET_MS = 25;

/** Distinct events the ceiling and the batches cycle through (api requests of 8 services, 50 ms of event time apart). */
const EVENT_POOL = 1_000;
/** Of them, the single-event requests: autocannon builds every request on every connection before it starts. */
const SINGLE_REQUESTS = 200;
const BATCH_REQUESTS = 10;

export interface GatewayBenchOptions {
  /** Seconds of each measured run. */
  seconds: number;
  /** Rounds of every measure; medians and ranges are reported. */
  rounds: number;
  /** Concurrent connections for single-event requests. */
  connections: number;
  /**
   * Connections of the half-rate run that the target is judged on. autocannon's rate limit lets
   * each connection send its quota for the second back to back as the second starts, so every
   * connection bursts at once: fewer connections, smaller bursts. It runs with `connections` too.
   */
  pacedConnections: number;
  batchConnections: number;
  batchSize: number;
  /** Publishes the ceiling keeps awaiting their acknowledgement. */
  ceilingWindow: number;
  queryClients: number;
  /** Messages of every kind published and stored before the read routes are measured. */
  queryMessages: number;
  queryCacheTtlMs: number;
  log: (line: string) => void;
}

export const defaultGatewayBenchOptions: Omit<GatewayBenchOptions, 'log'> = {
  seconds: 10,
  rounds: 3,
  connections: 50,
  pacedConnections: 10,
  batchConnections: 10,
  batchSize: 100,
  ceilingWindow: 4_096,
  queryClients: 50,
  queryMessages: 50_000,
  queryCacheTtlMs: DEFAULT_QUERY_CACHE_TTL_MS,
};

interface IngestRound {
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  gatewayCpuMicrosPerEvent: number;
  natsCpuMicrosPerEvent: number;
  /** Events the stream holds after the run: the 2xx answers' events and those of requests cut off at its end. */
  storedEvents: number;
  acceptedEvents: number;
  refused: Record<string, number>;
  errors: number;
}

export interface IngestSummary {
  connections: number;
  eventsPerRequest: number;
  requestsPerSecond: Spread;
  eventsPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  /** `sift gateway`'s CPU (user and system, every thread, from /proc) over the run, per accepted event. */
  gatewayCpuMicrosPerEvent: Spread;
  natsCpuMicrosPerEvent: Spread;
  /** Non-2xx answers by status, and connection errors, summed over the rounds. */
  refused: Record<string, number>;
  errors: number;
  /** Whether the stream held every accepted event after every round (it may hold more: requests cut off at the end of a run). */
  everyAcceptedStored: boolean;
}

export interface QuerySummary {
  requestsPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  /** ClickHouse statements the routes ran, per second of the run. */
  clickhouseQueriesPerSecond: Spread;
  refused: Record<string, number>;
  errors: number;
}

export interface GatewayBenchResult {
  scenario: 'gateway';
  date: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; loadAverage1m: { start: number; end: number } };
  seconds: number;
  rounds: number;
  kind: string;
  ceiling: { window: number; eventsPerSecond: Spread; natsCpuMicrosPerEvent: Spread };
  single: IngestSummary & { route: string };
  /** At half the maximum rate over `pacedConnections` (the target's run), and over as many connections as the maximum's. */
  singleHalfRate: IngestSummary & { route: string; rate: number };
  singleHalfRateAllConnections: IngestSummary & { route: string; rate: number };
  batch: IngestSummary & { route: string };
  targets: {
    batchRatioToCeiling: number;
    batchTarget: number;
    batchMet: boolean;
    halfRateP99Ms: number;
    halfRateP99TargetMs: number;
    halfRateMet: boolean;
    halfRateAllConnectionsP99Ms: number;
    halfRateAllConnectionsMet: boolean;
  };
  queries: {
    clients: number;
    routes: string[];
    /** Messages of every kind stored by `sift worker --until-idle` before the routes were measured. */
    seedMessages: number;
    seedRows: number;
    cacheTtlMs: number;
    cached: QuerySummary;
    uncached: QuerySummary;
  };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** api events as the simulator makes them, ending about now: the same events for the ceiling and the gateway. */
function eventPool(): Array<{ key: string; json: string }> {
  const simulator = kindNamed('api')!.simulator!({ seed: 26, startMs: Date.now() - EVENT_POOL * 50 - 1_000, keys: 8 });
  return Array.from({ length: EVENT_POOL }, () => {
    const { key, body } = simulator.next();
    return { key, json: JSON.stringify(body) };
  });
}

function sumCounts(rounds: ReadonlyArray<{ refused: Record<string, number> }>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of rounds) for (const [status, n] of Object.entries(r.refused)) total[status] = (total[status] ?? 0) + n;
  return total;
}

function summarizeIngest(rounds: readonly IngestRound[], connections: number, eventsPerRequest: number): IngestSummary {
  const of = (pick: (r: IngestRound) => number) => spread(rounds.map(pick));
  return {
    connections,
    eventsPerRequest,
    requestsPerSecond: of((r) => Math.round(r.requestsPerSecond)),
    eventsPerSecond: of((r) => Math.round(r.eventsPerSecond)),
    p50Ms: of((r) => r.p50Ms),
    p99Ms: of((r) => r.p99Ms),
    gatewayCpuMicrosPerEvent: of((r) => round1(r.gatewayCpuMicrosPerEvent)),
    natsCpuMicrosPerEvent: of((r) => round1(r.natsCpuMicrosPerEvent)),
    refused: sumCounts(rounds),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    everyAcceptedStored: rounds.every((r) => r.storedEvents >= r.acceptedEvents),
  };
}

/**
 * The gateway's benchmark on one nats-server it starts: the ceiling (this process publishing the
 * same events to JetStream, pipelined), then `sift gateway` in its own process under autocannon
 * with single events (as fast as it answers, then at half that rate) and batches; then the read
 * routes (src/gateway/queries) on an embedded engine holding what a worker stored, with the answer
 * cache on and off.
 */
export async function runGatewayBench(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const { log } = options;
  await loadAutocannon(); // before anything starts: a missing development dependency is one line
  const loadAtStart = loadavg()[0]!;
  const work = mkdtempSync(join(tmpdir(), 'sift-bench-gateway-'));
  const nats = await startNatsServer({ storeDir: join(work, 'nats') });
  let nc: NatsConnection | undefined;
  let gateway: GatewayProcess | undefined;
  let queryServer: QueryServerProcess | undefined;
  try {
    const env: NodeJS.ProcessEnv = {
      NATS_URL: nats.url,
      CLICKHOUSE_URL: '',
      CLICKHOUSE_EMBEDDED_PATH: join(work, 'query-ch'),
      METRICS_PORT: '0',
    };
    const config = loadConfig({ env: { ...process.env, ...env } });
    nc = await connectNats(config.nats, 'bench-gateway');
    await provision(nc, config.nats);
    const jsm = await jetstreamManager(nc);
    const stream = config.nats.stream;

    // The read routes' data first, while the stream holds nothing else: every kind, stored by a worker.
    log(`read routes' data: ${options.queryMessages} messages of every kind, stored by sift worker --until-idle…`);
    await preload(nc, config, { devices: 200, seed: 27, intervalS: 10 }, options.queryMessages, kindsOfMix());
    const seeded = await runWorker(env, ['--until-idle']).done;
    log(`  ${seeded.storedRows} rows stored`);
    await jsm.streams.purge(stream);

    const pool = eventPool();
    const layout = layoutOf(config.nats);
    const streamEvents: StreamEvent[] = pool.map((e) => ({
      subject: publishSubject(layout, 'api', e.key),
      data: new TextEncoder().encode(e.json),
    }));
    const singleRequests: LoadRequest[] = pool
      .slice(0, SINGLE_REQUESTS)
      .map((e) => ({ method: 'POST', path: `/v1/events/api/${e.key}`, body: e.json }));
    const batchRequests: LoadRequest[] = Array.from({ length: BATCH_REQUESTS }, (_, b) => {
      const items = Array.from({ length: options.batchSize }, (_, j) => pool[(b * options.batchSize + j) % pool.length]!);
      return {
        method: 'POST',
        path: '/v1/batch',
        body: `{"events":[${items.map((e) => `{"kind":"api","key":${JSON.stringify(e.key)},"event":${e.json}}`).join(',')}]}`,
      };
    });

    const ingestKey = await createKeyWithCli(env, ['--name', 'bench-ingest', '--kinds', 'api']);
    gateway = await startGatewayProcess(env, await freePort());
    const headers = { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' };
    await expectAccepted(gateway.url, singleRequests[0]!, headers, 1);
    await expectAccepted(gateway.url, batchRequests[0]!, headers, options.batchSize);

    const ingestRun = async (
      requests: LoadRequest[],
      eventsPerRequest: number,
      connections: number,
      seconds: number,
      overallRate?: number,
    ): Promise<IngestRound> => {
      await storedCount(jsm, stream);
      await jsm.streams.purge(stream);
      const gatewayBefore = processCpuSeconds(gateway!.pid);
      const natsBefore = processCpuSeconds(nats.pid);
      const result: LoadResult = await runLoad({
        url: gateway!.url,
        requests,
        headers,
        connections,
        seconds,
        ...(overallRate ? { overallRate } : {}),
      });
      const accepted = result.ok * eventsPerRequest;
      const stored = await storedCount(jsm, stream);
      return {
        requestsPerSecond: result.okPerSecond,
        eventsPerSecond: accepted / result.seconds,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        gatewayCpuMicrosPerEvent: ((processCpuSeconds(gateway!.pid) - gatewayBefore) * 1e6) / accepted,
        natsCpuMicrosPerEvent: ((processCpuSeconds(nats.pid) - natsBefore) * 1e6) / accepted,
        storedEvents: stored,
        acceptedEvents: accepted,
        refused: result.refused,
        errors: result.errors,
      };
    };
    const describe = (r: IngestRound) =>
      `${Math.round(r.requestsPerSecond)} req/s, ${Math.round(r.eventsPerSecond)} events/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, gateway ${r.gatewayCpuMicrosPerEvent.toFixed(1)} µs/event` +
      `${Object.keys(r.refused).length ? `, refused ${JSON.stringify(r.refused)}` : ''}${r.errors ? `, ${r.errors} connection errors` : ''}` +
      `, stream holds ${r.storedEvents} (${r.acceptedEvents} accepted)`;

    // Warm-up, not measured: the gateway's code compiled, connections and buffers grown.
    const warmSeconds = Math.min(3, options.seconds);
    log(`warm-up: ${warmSeconds} s of single events and of batches…`);
    await ingestRun(singleRequests, 1, options.connections, warmSeconds);
    await ingestRun(batchRequests, options.batchSize, options.batchConnections, warmSeconds);

    const ceilingRounds: Array<{ eventsPerSecond: number; natsCpuMicrosPerEvent: number }> = [];
    const singleRounds: IngestRound[] = [];
    const batchRounds: IngestRound[] = [];
    const js = jetstream(nc);
    for (let round = 1; round <= options.rounds; round++) {
      log(`round ${round} of ${options.rounds}`);
      await storedCount(jsm, stream);
      await jsm.streams.purge(stream);
      const natsBefore = processCpuSeconds(nats.pid);
      const top = await publishCeiling(js, streamEvents, options.seconds, options.ceilingWindow, `ceiling-${round}`);
      const natsCpu = ((processCpuSeconds(nats.pid) - natsBefore) * 1e6) / top.events;
      const stored = await storedCount(jsm, stream);
      if (stored !== top.events) throw new Error(`ceiling: the stream holds ${stored} of ${top.events} acknowledged events`);
      ceilingRounds.push({ eventsPerSecond: top.events / top.seconds, natsCpuMicrosPerEvent: natsCpu });
      log(`  ceiling: ${Math.round(top.events / top.seconds)} events/s, nats-server ${natsCpu.toFixed(1)} µs/event`);
      const single = await ingestRun(singleRequests, 1, options.connections, options.seconds);
      singleRounds.push(single);
      log(`  single events, ${options.connections} connections: ${describe(single)}`);
      const batch = await ingestRun(batchRequests, options.batchSize, options.batchConnections, options.seconds);
      batchRounds.push(batch);
      log(`  batches of ${options.batchSize}, ${options.batchConnections} connections: ${describe(batch)}`);
    }
    const singleSummary = summarizeIngest(singleRounds, options.connections, 1);
    const halfRate = Math.max(1, Math.round(singleSummary.requestsPerSecond.median / 2));
    const halfRounds: IngestRound[] = [];
    const halfAllRounds: IngestRound[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      log(`single events at half the maximum (${halfRate} req/s), round ${round} of ${options.rounds}`);
      const half = await ingestRun(singleRequests, 1, options.pacedConnections, options.seconds, halfRate);
      halfRounds.push(half);
      log(`  ${options.pacedConnections} connections: ${describe(half)}`);
      const halfAll = await ingestRun(singleRequests, 1, options.connections, options.seconds, halfRate);
      halfAllRounds.push(halfAll);
      log(`  ${options.connections} connections: ${describe(halfAll)}`);
    }
    await gateway.stop();
    gateway = undefined;
    await jsm.streams.purge(stream);

    // The read routes, on the worker's engine: one server with the answer cache, one without.
    const readKey = await createKeyWithCli(env, ['--name', 'bench-read', '--kinds', 'api', '--read']);
    queryServer = await startQueryServer(env, options.queryCacheTtlMs);
    const routes = queryRouteTable.map((r) => r.url.replace(':device_id', encodeURIComponent(queryServer!.deviceId ?? 'dev-0000')));
    const readHeaders = { authorization: `Bearer ${readKey}` };
    for (const path of routes) {
      const answer = await fetch(queryServer.uncachedUrl + path, { headers: readHeaders });
      if (answer.status !== 200) throw new Error(`read route ${path} answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
    }
    const queryRequests: LoadRequest[] = routes.map((path) => ({ method: 'GET', path }));
    const queryRun = async (url: string) => {
      const before = await queryServer!.queries();
      const result = await runLoad({
        url,
        requests: queryRequests,
        headers: readHeaders,
        connections: options.queryClients,
        seconds: options.seconds,
      });
      const ran = (await queryServer!.queries()) - before;
      return { ...result, queriesPerSecond: ran / result.seconds };
    };
    const cachedRounds: Array<LoadResult & { queriesPerSecond: number }> = [];
    const uncachedRounds: Array<LoadResult & { queriesPerSecond: number }> = [];
    const describeQueries = (r: LoadResult & { queriesPerSecond: number }) =>
      `${Math.round(r.okPerSecond)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.queriesPerSecond.toFixed(1)} ClickHouse queries/s` +
      `${Object.keys(r.refused).length ? `, refused ${JSON.stringify(r.refused)}` : ''}${r.errors ? `, ${r.errors} connection errors` : ''}`;
    for (let round = 1; round <= options.rounds; round++) {
      const cached = await queryRun(queryServer.cachedUrl);
      cachedRounds.push(cached);
      log(
        `read routes, ${options.queryClients} clients, cache ${options.queryCacheTtlMs} ms, round ${round} of ${options.rounds}: ${describeQueries(cached)}`,
      );
      const uncached = await queryRun(queryServer.uncachedUrl);
      uncachedRounds.push(uncached);
      log(`read routes, ${options.queryClients} clients, no cache, round ${round} of ${options.rounds}: ${describeQueries(uncached)}`);
    }
    await queryServer.stop();
    queryServer = undefined;

    const summarizeQueries = (rounds: Array<LoadResult & { queriesPerSecond: number }>): QuerySummary => ({
      requestsPerSecond: spread(rounds.map((r) => Math.round(r.okPerSecond))),
      p50Ms: spread(rounds.map((r) => r.p50Ms)),
      p99Ms: spread(rounds.map((r) => r.p99Ms)),
      clickhouseQueriesPerSecond: spread(rounds.map((r) => round1(r.queriesPerSecond))),
      refused: sumCounts(rounds),
      errors: rounds.reduce((n, r) => n + r.errors, 0),
    });
    const ceiling = {
      window: options.ceilingWindow,
      eventsPerSecond: spread(ceilingRounds.map((r) => Math.round(r.eventsPerSecond))),
      natsCpuMicrosPerEvent: spread(ceilingRounds.map((r) => round1(r.natsCpuMicrosPerEvent))),
    };
    const batch = { ...summarizeIngest(batchRounds, options.batchConnections, options.batchSize), route: '/v1/batch' };
    const singleHalfRate = {
      ...summarizeIngest(halfRounds, options.pacedConnections, 1),
      route: '/v1/events/{kind}/{key}',
      rate: halfRate,
    };
    const singleHalfRateAllConnections = {
      ...summarizeIngest(halfAllRounds, options.connections, 1),
      route: '/v1/events/{kind}/{key}',
      rate: halfRate,
    };
    const batchRatio = batch.eventsPerSecond.median / ceiling.eventsPerSecond.median;
    return {
      scenario: 'gateway',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverage1m: { start: round1(loadAtStart), end: round1(loadavg()[0]!) },
      },
      seconds: options.seconds,
      rounds: options.rounds,
      kind: 'api',
      ceiling,
      single: { ...singleSummary, route: '/v1/events/{kind}/{key}' },
      singleHalfRate,
      singleHalfRateAllConnections,
      batch,
      targets: {
        batchRatioToCeiling: Math.round(batchRatio * 100) / 100,
        batchTarget: BATCH_TARGET_RATIO,
        batchMet: batchRatio >= BATCH_TARGET_RATIO,
        halfRateP99Ms: singleHalfRate.p99Ms.median,
        halfRateP99TargetMs: HALF_RATE_P99_TARGET_MS,
        halfRateMet: singleHalfRate.p99Ms.median <= HALF_RATE_P99_TARGET_MS,
        halfRateAllConnectionsP99Ms: singleHalfRateAllConnections.p99Ms.median,
        halfRateAllConnectionsMet: singleHalfRateAllConnections.p99Ms.median <= HALF_RATE_P99_TARGET_MS,
      },
      queries: {
        clients: options.queryClients,
        routes,
        seedMessages: options.queryMessages,
        seedRows: seeded.storedRows,
        cacheTtlMs: options.queryCacheTtlMs,
        cached: summarizeQueries(cachedRounds),
        uncached: summarizeQueries(uncachedRounds),
      },
    };
  } finally {
    await gateway?.stop().catch(() => undefined);
    await queryServer?.stop().catch(() => undefined);
    // A client left open would reconnect to the stopped server for ever and keep a failed bench alive.
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
    await nats.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What the stream holds once it stops growing: autocannon ends a run with requests still in
 * flight, whose events the gateway publishes (and stores) after the run.
 */
async function storedCount(jsm: JetStreamManager, stream: string): Promise<number> {
  let last = -1;
  for (;;) {
    const now = (await jsm.streams.info(stream)).state.messages;
    if (now === last) return now;
    last = now;
    await sleep(300);
  }
}

/** One request before the load: the gateway must accept every event of it, or the bench would measure refusals. */
async function expectAccepted(url: string, request: LoadRequest, headers: Record<string, string>, events: number): Promise<void> {
  const answer = await fetch(url + request.path, { method: request.method, headers, body: request.body });
  const text = await answer.text();
  const outcome = answer.status === 202 ? (JSON.parse(text) as { accepted: number; rejected: unknown[] }) : undefined;
  if (outcome?.accepted !== events || outcome.rejected.length !== 0) {
    throw new Error(
      `the gateway did not accept the bench's ${events}-event request (${request.path}): ${answer.status} ${text.slice(0, 300)}`,
    );
  }
}

export function gatewayBenchTable(r: GatewayBenchResult): string {
  const s = formatSpread;
  const ingestRow = (name: string, x: IngestSummary, notes: string) =>
    `| ${name} | ${s(x.requestsPerSecond)} | ${s(x.eventsPerSecond)} | ${s(x.p50Ms, 1)} | ${s(x.p99Ms, 1)} | ${s(x.gatewayCpuMicrosPerEvent, 1)} | ${s(x.natsCpuMicrosPerEvent, 1)} | ${notes}${refusals(x.refused, x.errors)}${x.everyAcceptedStored ? '' : '; THE STREAM LACKED ACCEPTED EVENTS'} |`;
  const queryRow = (name: string, x: QuerySummary) =>
    `| ${name} | ${s(x.requestsPerSecond)} | ${s(x.p50Ms, 1)} | ${s(x.p99Ms, 1)} | ${s(x.clickhouseQueriesPerSecond, 1)} | ${refusals(x.refused, x.errors).replace(/^; /, '')} |`;
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  return [
    `Gateway: api events, ${r.rounds} round${r.rounds === 1 ? '' : 's'} of ${r.seconds} s for every run (median, range in brackets); ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.date.slice(0, 10)}; load average ${r.machine.loadAverage1m.start} at the start, ${r.machine.loadAverage1m.end} at the end.`,
    '',
    '| run | requests/s | events/s | p50 ms | p99 ms | gateway CPU µs/event | nats-server CPU µs/event | notes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ceiling: one process publishing to JetStream, ${r.ceiling.window} acks awaited at most | | ${s(r.ceiling.eventsPerSecond)} | | | | ${s(r.ceiling.natsCpuMicrosPerEvent, 1)} | the same events, each with a message id as the gateway's |`,
    ingestRow(`gateway, single events, ${r.single.connections} connections`, r.single, `${r.single.route}, as fast as answers come`),
    ingestRow(
      `gateway, single events at half that rate, ${r.singleHalfRate.connections} connections`,
      r.singleHalfRate,
      `${r.singleHalfRate.rate.toLocaleString('en-US')} req/s asked; p99 target ≤ ${r.targets.halfRateP99TargetMs} ms: ${met(r.targets.halfRateMet)}`,
    ),
    ingestRow(
      `gateway, single events at half that rate, ${r.singleHalfRateAllConnections.connections} connections`,
      r.singleHalfRateAllConnections,
      `the same rate in larger bursts (autocannon sends each connection's quota at the start of each second): p99 ≤ ${r.targets.halfRateP99TargetMs} ms ${met(r.targets.halfRateAllConnectionsMet)}`,
    ),
    ingestRow(
      `gateway, batches of ${r.batch.eventsPerRequest}, ${r.batch.connections} connections`,
      r.batch,
      `${r.batch.route}; ${r.targets.batchRatioToCeiling.toFixed(2)} × the ceiling's events/s, target ≥ ${r.targets.batchTarget.toFixed(2)}: ${met(r.targets.batchMet)}`,
    ),
    '',
    `Read routes: ${r.queries.routes.length} JSON routes in turn, ${r.queries.clients} concurrent clients, on ${r.queries.seedRows.toLocaleString('en-US')} rows of every kind (${r.queries.seedMessages.toLocaleString('en-US')} messages stored by a worker).`,
    '',
    '| read routes | requests/s | p50 ms | p99 ms | ClickHouse queries/s | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    queryRow(`cache on (${r.queries.cacheTtlMs} ms)`, r.queries.cached),
    queryRow('cache off', r.queries.uncached),
  ].join('\n');
}

function refusals(refused: Record<string, number>, errors: number): string {
  const parts = Object.entries(refused).map(([status, n]) => `${n} × ${status}`);
  if (errors) parts.push(`${errors} connection errors`);
  return parts.length ? `; not 2xx: ${parts.join(', ')}` : '';
}

export function saveGatewayBench(result: GatewayBenchResult): string {
  const dir = join(packageRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.date.slice(0, 19).replace(/[:]/g, '-')}-gateway.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}
