import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/tools/nats-server.js';
import { sift, siftBin } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sift-cli-env-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// The environment the commands see: nothing of the developer's own Sift settings.
const base: NodeJS.ProcessEnv = { NODE_ENV: '', LOG_LEVEL: 'info', CLICKHOUSE_EMBEDDED_PATH: join(dir, 'ch') };

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasScript) console.warn('no `script` (util-linux) here: the terminal log-format tests are skipped');

/** Runs sift under a pseudo-terminal (util-linux `script`), as a person at a terminal does. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv): string {
  const command = [process.execPath, siftBin, ...args].map((a) => `'${a}'`).join(' ') + ' >/dev/null';
  return spawnSync('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, ...base, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  }).stdout;
}

describe('what a command makes of its environment and --config', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names every unknown NATS_*, CLICKHOUSE_* and SIFT_* variable, and starts anyway', async () => {
    const result = await sift(['config'], {
      ...base,
      CLICKHOUSE_HOST: 'ch-1',
      CLICKHOUSE_DB: 'analytics',
      CLICKHOUSE_USERNAME: 'sift',
      NATS_CONTEXT: 'prod',
      SIFT_DEBUG: '1',
      NATS_SERVICE_HOST: '10.0.0.5',
    }).done;
    expect(result.code).toBe(0);
    const warned = result.stderr
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(warned).toEqual(
      expect.arrayContaining([
        'environment variable CLICKHOUSE_HOST is not a Sift setting; did you mean CLICKHOUSE_URL?',
        'environment variable CLICKHOUSE_DB is not a Sift setting; did you mean CLICKHOUSE_DATABASE?',
        'environment variable CLICKHOUSE_USERNAME is not a Sift setting; did you mean CLICKHOUSE_USER?',
        expect.stringMatching(/^environment variable NATS_CONTEXT is not a Sift setting and is ignored/),
        expect.stringMatching(/^environment variable SIFT_DEBUG is not a Sift setting and is ignored/),
      ]),
    );
    expect(result.stderr).not.toContain('NATS_SERVICE_HOST');
  });

  it("takes the NATS CLI's names, and stops in one line when both names differ", async () => {
    const ca = file('ca.pem', 'CA');
    const other = file('other.pem', 'CA2');
    const config = JSON.parse((await sift(['config'], { ...base, NATS_CA: ca }).done).stdout) as { nats: { tls: { caFile: string } } };
    expect(config.nats.tls.caFile).toBe(ca);
    const clash = await sift(['config'], { ...base, NATS_CA: ca, NATS_TLS_CA_FILE: other }).done;
    expect(clash.code).toBe(2);
    expect(clash.stderr).toBe(
      `sift: invalid configuration: NATS_CA (the NATS CLI's name) and NATS_TLS_CA_FILE are the same setting but differ ("${ca}" and "${other}"): set one of them\n`,
    );
  });

  it('reads a secret from its _FILE, never prints it, and refuses both ways at once', async () => {
    const secret = file('ch-password', 'pa55-from-file\n');
    const shown = await sift(['config'], { ...base, CLICKHOUSE_PASSWORD_FILE: secret }).done;
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as { clickhouse: { password: string } }).clickhouse.password).toBe('[redacted]');
    expect(shown.stdout + shown.stderr).not.toContain('pa55-from-file');
    const both = await sift(['config'], { ...base, CLICKHOUSE_PASSWORD: 'inline-pa55', CLICKHOUSE_PASSWORD_FILE: secret }).done;
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      'sift: invalid configuration: CLICKHOUSE_PASSWORD and CLICKHOUSE_PASSWORD_FILE are both set: give the secret one way\n',
    );
  });

  it('--config takes YAML, and a broken file is named in one line', async () => {
    const yaml = file('sift.yaml', 'nats:\n  partitions: 8\nclickhouse:\n  database: analytics\n');
    const config = JSON.parse(await sift(['config', '--config', yaml], base).done.then((r) => r.stdout)) as {
      nats: { partitions: number };
      clickhouse: { database: string };
    };
    expect(config.nats.partitions).toBe(8);
    expect(config.clickhouse.database).toBe('analytics');
    const broken = file('broken.yaml', 'nats:\n  partitions: 8\n   url: x\n');
    const result = await sift(['config', '--config', broken], base).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^sift: invalid configuration: ${broken}: not valid YAML: [^\\n]*line \\d+, column \\d+\\n$`));
    const unknown = file('unknown.json', '{"nats": {"partition": 8}}');
    const named = await sift(['config', '--config', unknown], base).done;
    expect(named.stderr).toMatch(new RegExp(`^sift: invalid configuration in ${unknown}: [^\\n]*nats\\.partition\\b[^\\n]*\\n$`));
  });

  it('logs JSON when stderr is not a terminal', async () => {
    const result = await sift(['config'], { ...base, CLICKHOUSE_DB: 'x' }).done;
    expect(() => JSON.parse(result.stderr.trim().split('\n')[0]!)).not.toThrow();
  });

  it.skipIf(!hasScript)('logs readable lines on a terminal for a command, JSON for a worker', async () => {
    const human = onTerminal(['config'], { CLICKHOUSE_DB: 'x' });
    expect(human).toMatch(/WARN.*: .*environment variable CLICKHOUSE_DB is not a Sift setting; did you mean CLICKHOUSE_DATABASE\?/);
    expect(human).not.toContain('{"level"');
    // The worker's lines while it waits for NATS (none here) stay JSON on a terminal too.
    const worker = onTerminal(['worker'], { NATS_URL: `nats://127.0.0.1:${await freePort()}`, NATS_START_RETRY_S: '1', METRICS_PORT: '0' });
    expect(worker).toMatch(/\{"level":40,[^\n]*not reachable \(attempt 1/);
    const asked = onTerminal(['config'], { CLICKHOUSE_DB: 'x', LOG_FORMAT: 'json' });
    expect(asked).toContain('{"level":40');
  });
});
