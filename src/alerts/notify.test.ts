import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Notifier, receivers } from './notify.js';
import { createLogger } from '../telemetry/logger.js';
import type { AlertEvent } from './event.js';

const event: AlertEvent = {
  rule: 'high_error_rate',
  severity: 'critical',
  state: 'firing',
  labels: { endpoint: '/orders' },
  value: 0.1,
  threshold: 0.05,
  starts_at: '2026-11-24T10:00:00.000Z',
  ends_at: null,
  annotations: { summary: 'too many 5xx' },
  id: 'x',
  at: '2026-11-24T10:00:00.000Z',
  previous_state: 'pending',
  active_at: '2026-11-24T09:59:00.000Z',
};

describe('Notifier (a local HTTP receiver on 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  const hits: Array<{ path: string; body: unknown; authorization?: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hits.push({ path: req.url!, body: JSON.parse(body), authorization: req.headers.authorization });
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
    const notifier = new Notifier(
      receivers({ webhookUrl: `${base}/broken`, alertmanagerUrl: `${base}/am`, generatorUrl: 'http://grafana/d/sift' }),
      {
        attempts: 3,
        backoffMs: 50,
        log: createLogger('silent'),
        failed: (r) => failed.push(r),
      },
    );
    const started = performance.now();
    notifier.send([event]);
    expect(performance.now() - started).toBeLessThan(20);
    await notifier.close(5_000);
    expect(hits.filter((h) => h.path === '/broken')).toHaveLength(3);
    expect(failed).toEqual(['webhook']);
    expect(hits.find((h) => h.path === '/am/api/v2/alerts')?.body).toEqual([
      {
        labels: { alertname: 'high_error_rate', severity: 'critical', endpoint: '/orders' },
        annotations: { summary: 'too many 5xx' },
        startsAt: '2026-11-24T10:00:00.000Z',
        generatorURL: 'http://grafana/d/sift',
      },
    ]);
    expect(hits.find((h) => h.path === '/broken')?.body).toMatchObject({
      text: '[FIRING] high_error_rate (critical) endpoint=/orders value=0.1 too many 5xx',
      blocks: [{ type: 'section' }],
    });
  });

  it('escapes producer-supplied values for Slack: no mention, no disguised link, no entity reaches the webhook', async () => {
    const hostile: AlertEvent = {
      ...event,
      labels: {
        endpoint: '<!channel>',
        link: '<http://evil.example|docs.example.com>',
        user: '<@U0123> <#C0123>',
        text: 'a & b <c> &lt;',
        who: '@here @channel @alice',
      },
      annotations: { summary: 'on <!here>', description: 'see <https://evil.example|runbook> &amp; call @everyone' },
    };
    const notifier = new Notifier(
      receivers({ webhookUrl: `${base}/slack-escape`, alertmanagerUrl: `${base}/am-escape`, generatorUrl: 'http://grafana/d/x?a=1&b=2|y' }),
      {
        attempts: 1,
        backoffMs: 10,
        log: createLogger('silent'),
        failed: () => undefined,
      },
    );
    notifier.send([hostile]);
    await notifier.close(5_000);
    const slack = hits.find((h) => h.path === '/slack-escape')!.body as { text: string; blocks: Array<{ text: { text: string } }> };
    // The dashboard link at the end is the operator's: the rest is the alert.
    for (const text of [slack.text, slack.blocks[0]!.text.text.replace(/\n<[^\n]*\|dashboard>$/, '')]) {
      expect(text).not.toMatch(/<[!@#]|<https?:|@(here|channel|alice|everyone)/);
      expect(text).toContain('endpoint=&lt;!channel&gt;');
      expect(text).toContain('link=&lt;http://evil.example|docs.example.com&gt;');
      expect(text).toContain('text=a &amp; b &lt;c&gt; &amp;lt;');
      expect(text).toContain('who=@\u200bhere @\u200bchannel @\u200balice');
    }
    expect(slack.blocks[0]!.text.text).toContain('see &lt;https://evil.example|runbook&gt; &amp;amp; call @\u200beveryone');
    expect(slack.blocks[0]!.text.text).toMatch(/\n<http:\/\/grafana\/d\/x\?a=1&amp;b=2%7Cy\|dashboard>$/);
    // Alertmanager templates its own notifications: it gets the values as they are.
    expect((hits.find((h) => h.path === '/am-escape/api/v2/alerts')!.body as Array<{ labels: unknown }>)[0]!.labels).toMatchObject(
      hostile.labels,
    );
  });

  it('sends the userinfo of a receiver URL as Basic auth (fetch refuses a URL with credentials)', async () => {
    const failed: string[] = [];
    const notifier = new Notifier(
      receivers({ webhookUrl: '', alertmanagerUrl: base.replace('http://', 'http://am:p%40ss%3Aw0rd@') + '/auth', generatorUrl: '' }),
      {
        attempts: 1,
        backoffMs: 10,
        log: createLogger('silent'),
        failed: (r) => failed.push(r),
      },
    );
    notifier.send([event]);
    await notifier.close(5_000);
    expect(failed).toEqual([]);
    expect(hits.find((h) => h.path === '/auth/api/v2/alerts')?.authorization).toBe(
      `Basic ${Buffer.from('am:p@ss:w0rd').toString('base64')}`,
    );
  });
});
