import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ConfigError, describeConfig, loadConfig } from './load.js';
import { secretKeys, urlSecrets } from './secret-keys.js';
import { redact } from './redact.js';
import { createLogger } from '../telemetry/logger.js';
import { describeFailure } from '../cli/failure.js';

/** Passwords with the characters that used to cut masking short, each part unique so a leak of any part shows. */
const parts = ['qx7a', 'wv3b', 'zk9c', 'ty5d', 'pm2e', 'hj4f', 'rn8g', 'ue1h'];
const env = {
  NATS_URL: `nats://alice:${parts[0]}@${parts[1]}@nats-1:4222,nats://alice:${parts[0]}@${parts[1]}@nats-2:4222`,
  CLICKHOUSE_URL: `https://bob:${parts[2]}%40${parts[3]}@ch.example:8443`,
  ALERTMANAGER_URL: `http://carol:${parts[4]}%2F${parts[5]}@am.example:9093`,
  ALERT_GENERATOR_URL: `https://${parts[6]}@grafana.example/d/sift`,
  ALERT_WEBHOOK_URL: `https://hooks.example/services/T0/B0/${parts[7]}`,
  CLICKHOUSE_PASSWORD: 'chpw-unused-here',
  PRIVACY_SALT: 'salt-5e1d',
};
const leaked = (text: string) => [...parts, 'chpw-unused-here', 'salt-5e1d'].filter((p) => text.includes(p));

describe('secrets, masked from one place', () => {
  it('finds every sensitive and every URL-valued key in the schema', () => {
    const byKind = (kind: string) =>
      secretKeys
        .filter((k) => k.kind === kind)
        .map((k) => k.env)
        .sort();
    expect(byKind('sensitive')).toEqual(['ALERT_WEBHOOK_URL', 'CLICKHOUSE_PASSWORD', 'NATS_PASSWORD', 'NATS_TOKEN', 'PRIVACY_SALT']);
    expect(byKind('url')).toEqual(expect.arrayContaining(['ALERTMANAGER_URL', 'ALERT_GENERATOR_URL', 'CLICKHOUSE_URL', 'NATS_URL']));
  });

  it('takes the password or token of each URL of a list, up to its last @', () => {
    expect(urlSecrets('nats://a:p@ss@h1:4222,tls://tok/en@h2:4222, nats://h3:4222')).toEqual(['p@ss', 'tok/en']);
  });

  it('sift config shows no part of any password, token or sensitive value', () => {
    const config = loadConfig({ env });
    const shown = JSON.stringify(describeConfig(config));
    expect(leaked(shown)).toEqual([]);
    const c = describeConfig(config) as {
      nats: { url: string };
      clickhouse: { url: string; password: string };
      alerts: Record<string, string>;
      privacy: { salt: string };
    };
    expect(c.nats.url).toBe('nats://alice:***@nats-1:4222,nats://alice:***@nats-2:4222');
    expect(c.clickhouse.url).toBe('https://bob:***@ch.example:8443');
    expect(c.alerts.alertmanagerUrl).toBe('http://carol:***@am.example:9093');
    expect(c.alerts.generatorUrl).toBe('https://***@grafana.example/d/sift');
    expect(c.alerts.webhookUrl).toBe('[redacted]');
    expect(c.clickhouse.password).toBe('[redacted]');
    expect(c.privacy.salt).toBe('[redacted]');
    // The configuration itself is untouched: the worker still needs the real values.
    expect(config.alerts.webhookUrl).toBe(env.ALERT_WEBHOOK_URL);
  });

  it('log lines at debug carry no secret: not in messages, fields, nested objects or error stacks', () => {
    const config = loadConfig({ env });
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger('debug', 'sift', sink);
    log.info({ nats: config.nats.url, alerts: config.alerts }, 'started');
    log.debug(`posting to ${config.alerts.webhookUrl} and ${config.alerts.alertmanagerUrl}`);
    log.warn({ err: new Error(`fetch ${config.alerts.generatorUrl} failed with ${config.privacy.salt}`) }, 'failed');
    log.error({ detail: { deeper: { deepest: { url: config.clickhouse.url, decoded: `${parts[2]}@${parts[3]}` } } } }, 'nested');
    expect(lines).toHaveLength(4);
    expect(leaked(lines.join(''))).toEqual([]);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines[0]).toContain('nats://alice:***@nats-1:4222');
  });

  it('a configuration error, its one line and its stack at debug, shows no part of a password', () => {
    for (const bad of [
      { NATS_URL: `nats://alice:${parts[0]}@${parts[1]}@nats-1:bad/x` },
      { ALERTMANAGER_URL: `ftp://carol:${parts[4]}/${parts[5]}@am.example` },
      {
        CLICKHOUSE_URL: `http://bob:${parts[2]}@${parts[3]}@ch.example:8123`,
        NATS_URL: `nats://alice:${parts[0]}@nats-1:4222`,
        NATS_CREDS: '/nowhere',
      },
    ]) {
      let error: unknown;
      try {
        loadConfig({ env: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const failure = describeFailure(error);
      expect(failure.line.split('\n')).toHaveLength(1);
      expect(leaked(`${failure.line}\n${failure.stack}`)).toEqual([]);
    }
  });

  it('a remembered secret is scrubbed from any text, in any encoding', () => {
    loadConfig({ env });
    expect(redact(`auth failed for ${parts[2]}@${parts[3]} ("${parts[2]}%40${parts[3]}")`)).toBe('auth failed for *** ("***")');
  });
});
