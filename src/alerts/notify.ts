import type { Logger } from '../telemetry/logger.js';
import type { AlertEvent } from './event.js';

export interface Receiver {
  name: 'webhook' | 'alertmanager';
  /** Without userinfo: fetch refuses a URL with credentials, so they travel as a Basic header. */
  url: string;
  headers: Record<string, string>;
  body(events: AlertEvent[]): unknown;
}

/**
 * Label values come from producers and reach annotations: Slack reads `<…>` as a mention
 * (`<!channel>`, `<@U1>`) or a link that shows other text (`<http://evil|docs>`) and `&…;` as an
 * entity, so &, < and > are escaped as Slack asks. A word after `@` (@here, @channel, @alice) is
 * broken with a zero-width space, for receivers that take it as a mention.
 */
export function slackEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|\W)@(?=\w)/g, '$1@\u200b');
}

/** Slack-compatible incoming-webhook body: a one-line text plus a section block per alert. */
export function slackBody(events: AlertEvent[], generatorUrl = ''): { text: string; blocks: unknown[] } {
  const line = (e: AlertEvent) => {
    const labels = Object.entries(e.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const summary = e.annotations.summary ? ` ${e.annotations.summary}` : '';
    return slackEscape(`[${e.state.toUpperCase()}] ${e.rule} (${e.severity}) ${labels} value=${e.value}${summary}`);
  };
  // A | would end the link target early: the dashboard link is the operator's, kept whole.
  const dashboard = generatorUrl
    ? `\n<${generatorUrl.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C')}|dashboard>`
    : '';
  return {
    text: events.map(line).join('\n'),
    blocks: events.map((e) => ({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${line(e)}*${e.annotations.description ? `\n${slackEscape(e.annotations.description)}` : ''}${dashboard}`,
      },
    })),
  };
}

/** Alertmanager v2 `postableAlerts`: alertname and severity join the labels. */
export function alertmanagerBody(events: AlertEvent[], generatorUrl = ''): unknown[] {
  return events.map((e) => ({
    labels: { alertname: e.rule, severity: e.severity, ...e.labels },
    annotations: e.annotations,
    startsAt: e.starts_at ?? e.at,
    ...(e.ends_at ? { endsAt: e.ends_at } : {}),
    generatorURL: generatorUrl,
  }));
}

/** A receiver URL's userinfo as an Authorization header, and the URL without it. */
export function splitCredentials(url: string): { url: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url, headers: {} };
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const basic = Buffer.from(`${decode(parsed.username)}:${decode(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, headers: { authorization: `Basic ${basic}` } };
}

export function receivers(config: { webhookUrl: string; alertmanagerUrl: string; generatorUrl: string }): Receiver[] {
  const list: Receiver[] = [];
  if (config.webhookUrl)
    list.push({ name: 'webhook', ...splitCredentials(config.webhookUrl), body: (e) => slackBody(e, config.generatorUrl) });
  if (config.alertmanagerUrl) {
    list.push({
      name: 'alertmanager',
      ...splitCredentials(`${config.alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts`),
      body: (e) => alertmanagerBody(e, config.generatorUrl),
    });
  }
  return list;
}

/**
 * Delivers notifications in the background, each receiver on its own queue, retrying with
 * exponential backoff. `send` never waits for delivery: a dead receiver delays nothing else.
 */
export class Notifier {
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly targets: Receiver[],
    private readonly o: {
      attempts: number;
      backoffMs: number;
      timeoutMs?: number;
      log: Logger;
      failed(receiver: string): void;
      delivered?(receiver: string): void;
    },
  ) {}

  get enabled(): boolean {
    return this.targets.length > 0;
  }

  send(events: AlertEvent[], only?: Receiver['name']): void {
    if (this.closed || events.length === 0) return;
    for (const target of this.targets) {
      if (only && target.name !== only) continue;
      const previous = this.queues.get(target.name) ?? Promise.resolve();
      this.queues.set(
        target.name,
        previous.then(() => this.deliver(target, target.body(events))),
      );
    }
  }

  private async deliver(target: Receiver, body: unknown): Promise<void> {
    for (let attempt = 1; attempt <= this.o.attempts && !this.stop.signal.aborted; attempt++) {
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: JSON.stringify(body),
          signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.o.timeoutMs ?? 10_000)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          this.o.delivered?.(target.name);
          return;
        }
        throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        this.o.log.warn({ receiver: target.name, attempt, err: (error as Error).message }, 'alert notification failed');
        if (attempt < this.o.attempts) await new Promise((r) => setTimeout(r, this.o.backoffMs * 2 ** (attempt - 1)).unref());
      }
    }
    this.o.failed(target.name);
  }

  /** Waits up to `ms` for queued notifications, then gives up on the rest. */
  async close(ms = 2_000): Promise<void> {
    this.closed = true;
    const timer = setTimeout(() => this.stop.abort(), ms);
    await Promise.all(this.queues.values());
    clearTimeout(timer);
  }
}
