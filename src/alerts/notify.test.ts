import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Notifier, receivers } from './notify.js';
import { createLogger } from '../telemetry/logger.js';
import type { AlertEvent } from './event.js';

const event: AlertEvent = {
  rule: 'high_error_rate', severity: 'critical', state: 'firing', labels: { endpoint: '/orders' }, value: 0.1, threshold: 0.05,
  starts_at: '2026-11-24T10:00:00.000Z', ends_at: null, annotations: { summary: 'too many 5xx' }, id: 'x', at: '2026-11-24T10:00:00.000Z', previous_state: 'pending', active_at: '2026-11-24T09:59:00.000Z',
};

describe('Notifier (a local HTTP receiver on 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  const hits: Array<{ path: string; body: unknown }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hits.push({ path: req.url!, body: JSON.parse(body) });
        res.statusCode = req.url === '/broken' ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('retries a failing receiver with backoff, counts the failure, never blocks the caller, and still delivers to the other', async () => {
    const failed: string[] = [];
    const notifier = new Notifier(receivers({ webhookUrl: `${base}/broken`, alertmanagerUrl: `${base}/am`, generatorUrl: 'http://grafana/d/sift' }), {
      attempts: 3, backoffMs: 50, log: createLogger('silent'), failed: (r) => failed.push(r),
    });
    const started = performance.now();
    notifier.send([event]);
    expect(performance.now() - started).toBeLessThan(20);
    await notifier.close(5_000);
    expect(hits.filter((h) => h.path === '/broken')).toHaveLength(3);
    expect(failed).toEqual(['webhook']);
    expect(hits.find((h) => h.path === '/am/api/v2/alerts')?.body).toEqual([
      { labels: { alertname: 'high_error_rate', severity: 'critical', endpoint: '/orders' }, annotations: { summary: 'too many 5xx' }, startsAt: '2026-11-24T10:00:00.000Z', generatorURL: 'http://grafana/d/sift' },
    ]);
    expect(hits.find((h) => h.path === '/broken')?.body).toMatchObject({ text: '[FIRING] high_error_rate (critical) endpoint=/orders value=0.1 too many 5xx', blocks: [{ type: 'section' }] });
  });
});
