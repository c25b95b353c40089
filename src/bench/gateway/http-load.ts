import type { IncomingHttpHeaders } from 'node:http';
import type { Instance, Result } from 'autocannon';
import { quantile } from './stats.js';

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** One request of the load: autocannon cycles through them in order on every connection. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface LoadOptions {
  url: string;
  requests: readonly LoadRequest[];
  headers: IncomingHttpHeaders;
  connections: number;
  seconds: number;
  /** Requests per second over all connections; unset: as fast as answers come. */
  overallRate?: number;
}

/** What one load run measured. Latencies are of 2xx answers only (each connection's first left out), in ms. */
export interface LoadResult {
  seconds: number;
  ok: number;
  /** Answers other than 2xx, by status. */
  refused: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** autocannon, loaded on first use rather than when `sift` starts: it is a development dependency. */
export async function loadAutocannon(): Promise<typeof import('autocannon')> {
  try {
    return (await import('autocannon')).default;
  } catch (error) {
    throw new Error('the gateway bench needs autocannon, a development dependency: run npm install without --omit=dev', { cause: error });
  }
}

/** Runs autocannon against a loopback URL for `seconds`, one request at a time per connection. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const autocannon = await loadAutocannon();
  // Latencies as measured (ms, fractions kept): autocannon's own histogram rounds them down to whole ms.
  const latencies: number[] = [];
  // autocannon builds every connection's requests before its event loop turns, so each connection's
  // first request waits for all of that (about 2 ms a connection): those answers are left out.
  const started = new Set<unknown>();
  const result = await new Promise<Result>((resolve, reject) => {
    const instance: Instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        headers: options.headers,
        requests: options.requests.map((r) => ({ ...r })),
        // autocannon's latency correction takes 1/rate of a per-second rate as an interval in ms and
        // adds made-up samples; its rate limit sends each connection's quota back to back every second.
        ...(options.overallRate ? { overallRate: options.overallRate, ignoreCoordinatedOmission: true } : {}),
      },
      (error: unknown, finished: Result) => (error ? reject(error as Error) : resolve(finished)),
    );
    instance.on('response', (client, status, _bytes, ms) => {
      if (!started.has(client)) started.add(client);
      else if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  latencies.sort((a, b) => a - b);
  const refused: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (!status.startsWith('2')) refused[status] = stats.count ?? 0;
  }
  const ok = result['2xx'];
  return {
    seconds: result.duration,
    ok,
    refused,
    errors: result.errors,
    okPerSecond: ok / result.duration,
    p50Ms: round2(quantile(latencies, 0.5)),
    p99Ms: round2(quantile(latencies, 0.99)),
  };
}
