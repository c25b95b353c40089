import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerVerdict } from './kind-verdict.js';

/** One request that reached `POST /v1/batch`, as the recorder understood it. */
export interface RecordedBatch {
  /** `header` (Authorization: Bearer) or `query` (?key=, what a beacon sends). */
  keyFrom: 'header' | 'query';
  contentType: string;
  idempotencyKey: string | undefined;
  events: { kind: string; key: string; event: Record<string, unknown> }[];
  status: number;
  /** When it arrived, epoch ms. */
  at: number;
}

export interface BatchRecorder {
  url: string;
  key: string;
  batches: RecordedBatch[];
  /** Requests that broke the gateway's contract, one line each (the test expects none). */
  problems: string[];
  /** Answers the next `count` batches 503 with Retry-After, as the gateway does while NATS is away. */
  failNext(count: number, retryAfterS?: number): void;
  close(): Promise<void>;
}

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });

/**
 * A stand-in for the gateway's `POST /v1/batch` (src/gateway/), for the browser client's test
 * until it runs against the gateway itself: it answers CORS as for a browser key of any origin,
 * checks each request's shape (key by Bearer header or ?key=, JSON or text/plain body of
 * `{"events":[{kind,key,event}]}`) and judges every event with the kinds' own decode.
 */
export async function startBatchRecorder(key = 'browser-test-key'): Promise<BatchRecorder> {
  const batches: RecordedBatch[] = [];
  const problems: string[] = [];
  let failing = 0;
  let failRetryAfterS = 1;

  const server: Server = createServer(async (request, response) => {
    // A page's script may read only the response headers CORS exposes: Retry-After must be one.
    const cors = { 'Access-Control-Allow-Origin': request.headers.origin ?? '*', 'Access-Control-Expose-Headers': 'Retry-After', Vary: 'Origin' };
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { ...cors, 'Content-Type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const refuse = (status: number, problem: string) => {
      problems.push(problem);
      answer(status, { error: problem });
    };
    const url = new URL(request.url ?? '/', 'http://recorder');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'authorization, content-type, idempotency-key', 'Access-Control-Max-Age': '600' });
      response.end();
      return;
    }
    if (request.method !== 'POST' || url.pathname !== '/v1/batch') return refuse(404, `${request.method} ${url.pathname}: only POST /v1/batch is served`);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const given = bearer ?? url.searchParams.get('key') ?? undefined;
    if (given !== key) return refuse(401, `key ${given === undefined ? 'missing' : 'wrong'}`);
    const contentType = request.headers['content-type'] ?? '';
    if (!/^(application\/json|text\/plain)\b/.test(contentType)) return refuse(415, `content type ${JSON.stringify(contentType)}`);
    let body: unknown;
    try {
      body = JSON.parse(await read(request));
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const events = (body as { events?: unknown }).events;
    if (!Array.isArray(events)) return refuse(400, 'body has no events array');
    const record: RecordedBatch = {
      keyFrom: bearer !== undefined ? 'header' : 'query',
      contentType,
      idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      events,
      status: 202,
      at: Date.now(),
    };
    batches.push(record);
    if (failing > 0) {
      failing--;
      record.status = 503;
      return answer(503, { error: 'NATS unavailable' }, { 'Retry-After': String(failRetryAfterS) });
    }
    const rejected: { index: number; reason: string; detail: string }[] = [];
    events.forEach((e: { kind: string; key: string; event: unknown }, index) => {
      const verdict = workerVerdict(e.kind, e.key, e.event);
      if (!verdict.ok) {
        rejected.push({ index, reason: verdict.reason, detail: verdict.detail });
        problems.push(`event ${index} (${e.kind}) refused: ${verdict.reason}: ${verdict.detail}`);
      }
    });
    answer(202, { accepted: events.length - rejected.length, rejected });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    batches,
    problems,
    failNext(count, retryAfterS = 1) {
      failing = count;
      failRetryAfterS = retryAfterS;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
