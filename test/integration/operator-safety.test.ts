import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk } from '../helpers/cli.js';

const T0 = Date.parse('2026-11-24T08:00:00Z');

describe('errors a person reads, secrets, least privilege', () => {
  let t: SiftTestEnv;

  beforeAll(async () => {
    t = await siftTestEnv();
    await t.publish('telemetry.metrics.dev-1', { ts: T0, metrics: { temperature: 20 } });
    await siftOk(['worker', '--until-idle'], t.env);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('says in one line, with the URL masked, that NATS is unreachable', async () => {
    // One attempt (a one-shot command otherwise retries for 10 s, see nats-at-start.test.ts).
    const result = await sift(['provision'], { ...t.env, NATS_URL: 'nats://alice:s3cret@127.0.0.1:1', NATS_START_RETRY_S: '0' }).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sift: cannot connect to NATS at nats://alice:***@127.0.0.1:1 (NATS_URL): connection refused\n');
  });

  it('says in one line that ClickHouse is unreachable, and that the metrics port is taken', async () => {
    const ch = await sift(['migrate'], { ...t.env, CLICKHOUSE_URL: 'http://u:chpw@127.0.0.1:1' }).done;
    expect(ch.code).toBe(1);
    expect(ch.stderr).toMatch(
      /^sift: cannot reach ClickHouse at http:\/\/u:\*\*\*@127\.0\.0\.1:1\/? \(CLICKHOUSE_URL\): connect ECONNREFUSED 127\.0\.0\.1:1$/m,
    );
    expect(ch.stderr).not.toContain('chpw');
    expect(ch.stderr).not.toMatch(/^\s+at /m);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const worker = await sift(['worker'], { ...t.env, METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' }).done;
    taken.close();
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain(`sift: metrics port 127.0.0.1:${port} (METRICS_PORT) is in use`);
    expect(worker.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('query is read-only unless --write, and bad SQL is one line', async () => {
    for (const sql of [
      'SELECT 1; DROP TABLE device_metrics',
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      'DROP TABLE device_metrics',
    ]) {
      const result = await sift(['query', sql], t.env).done;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^sift: refused: [^\n]+ \(sift query is read-only unless --write\)\n$/);
    }
    expect((await siftOk(['query', 'SELECT count() FROM device_metrics', '--format', 'TSV'], t.env)).trim()).toBe('1');
    const bad = await sift(['query', 'SELEC 1'], t.env).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^sift: ClickHouse rejected the query \(code 62\): Syntax error[^\n]*\n$/);
    await siftOk(['query', 'CREATE TABLE scratch (a Int32) ENGINE = Memory', '--write'], t.env);
    expect((await siftOk(['query', 'EXISTS TABLE scratch', '--format', 'TSV'], t.env)).trim()).toBe('1');
  });

  it('warns about a misspelled variable, naming the key it resembles', async () => {
    const result = await sift(['config'], { ...t.env, LOG_LEVEL: 'warn', PARTITION: '8', NATS_ULR: 'nats://x:4222' }).done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('environment variable PARTITION is not a Sift setting; did you mean PARTITIONS?');
    expect(result.stderr).toContain('did you mean NATS_URL?');
  });

  it('migrate --dry-run prints the SQL and a TTL change is applied by migrate only', async () => {
    const dry = await siftOk(['migrate', '--dry-run'], { ...t.env, RETENTION_DAYS: '30', EVENT_TIME_MAX_PAST_S: '2592000' });
    expect(dry).toContain('would change the TTL of');
    expect(dry).toMatch(/^ALTER TABLE sift_test_\w+\.device_metrics MODIFY TTL toDateTime\(ts\) \+ INTERVAL 30 DAY;$/m);
    // A worker with the new value warns and names the command, and leaves the TTL alone.
    const worker = await sift(['worker', '--until-idle'], {
      ...t.env,
      RETENTION_DAYS: '30',
      EVENT_TIME_MAX_PAST_S: '2592000',
      LOG_LEVEL: 'warn',
    }).done;
    expect(worker.code).toBe(0);
    expect(worker.stderr).toContain('run `sift migrate` to change its TTL');
    expect(await siftOk(['migrate', '--dry-run'], { ...t.env, RETENTION_DAYS: '30', EVENT_TIME_MAX_PAST_S: '2592000' })).toContain(
      'MODIFY TTL',
    );
    expect(await siftOk(['migrate'], { ...t.env, RETENTION_DAYS: '30', EVENT_TIME_MAX_PAST_S: '2592000' })).toContain(
      'changing the TTL of',
    );
    expect(await siftOk(['migrate', '--dry-run'], { ...t.env, RETENTION_DAYS: '30', EVENT_TIME_MAX_PAST_S: '2592000' })).toContain(
      '0 pending migration(s), 0 TTL change(s)',
    );
  });

  it('with WORKER_PROVISION=false and WORKER_MIGRATE=false a worker only checks, naming what is missing', async () => {
    const fresh = await sift(['worker', '--until-idle'], { ...t.env, WORKER_MIGRATE: 'false', CLICKHOUSE_DATABASE: 'nowhere_yet' }).done;
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toMatch(
      /^sift: ClickHouse database nowhere_yet lacks migration\(s\) [\w/-]+(, [\w/-]+)* and WORKER_MIGRATE=false: run `sift migrate` as a user that may create tables\n$/,
    );
    const noStream = await sift(['worker', '--until-idle'], {
      ...t.env,
      WORKER_PROVISION: 'false',
      STREAM_NAME: 'ABSENT',
      CONSUMER_PREFIX: 'absent',
    }).done;
    expect(noStream.code).toBe(1);
    expect(noStream.stderr).toBe(
      'sift: NATS lacks stream ABSENT and WORKER_PROVISION=false: run `sift provision` with an account that may create streams and consumers\n',
    );
    // Everything in place: both checks pass and it drains.
    expect(await siftOk(['worker', '--until-idle'], { ...t.env, WORKER_PROVISION: 'false', WORKER_MIGRATE: 'false' })).toContain(
      'received 0,',
    );
  });

  it("never prints a secret: not in a worker's debug logs, not in sift config", async () => {
    const secrets = {
      url: 'urlpw-8c1f',
      token: 'tok-77aa',
      password: 'natspw-51',
      chPassword: 'chpw-42',
      creds: 'SUACREDSSECRET',
      seed: 'SUASEEDSECRET',
    };
    const credsFile = join(t.dataDir, 'sift.creds');
    const seedFile = join(t.dataDir, 'seed.nk');
    writeFileSync(credsFile, `-----BEGIN NATS USER JWT-----\n${secrets.creds}\n------END NATS USER JWT------\n`);
    writeFileSync(seedFile, secrets.seed);
    const natsUrl = t.env.NATS_URL!.replace('nats://', `nats://alice:${secrets.url}@`);
    const workerEnv = { ...t.env, NATS_URL: natsUrl, CLICKHOUSE_PASSWORD: secrets.chPassword, LOG_LEVEL: 'debug' };
    await t.publish('telemetry.metrics.dev-2', 'broken');
    const worker = await sift(['worker', '--until-idle'], workerEnv).done;
    expect(worker.code).toBe(0);
    expect(worker.stderr).toContain('"nats":"nats://alice:***@');
    // One way to sign in at a time: two at once is refused.
    const outputs = [worker.stdout, worker.stderr];
    for (const signIn of [
      { NATS_URL: natsUrl },
      { NATS_TOKEN: secrets.token },
      { NATS_USER: 'alice', NATS_PASSWORD: secrets.password },
      { NATS_CREDS: credsFile },
      { NATS_NKEY_SEED_FILE: seedFile },
    ]) {
      const shown = await sift(['config'], {
        ...t.env,
        ...signIn,
        CLICKHOUSE_PASSWORD: secrets.chPassword,
        CLICKHOUSE_URL: `https://bob:${secrets.chPassword}@ch.example:8443`,
        LOG_LEVEL: 'debug',
      }).done;
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('https://bob:***@ch.example:8443');
      outputs.push(shown.stdout, shown.stderr);
    }
    for (const output of outputs) {
      for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
    }
  });
});
