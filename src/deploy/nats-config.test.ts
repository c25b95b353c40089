import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const config = join(packageRoot, 'deploy/nats/nats.conf');
const binary = process.env.NATS_SERVER_BIN ?? join(packageRoot, '.tools/nats-server/usr/sbin/nats-server');
const secrets = {
  NATS_SERVER_NAME: 'nats-1',
  NATS_SYS_PASSWORD: 'x',
  NATS_SIFT_PASSWORD: 'y',
  NATS_DEVICE_PASSWORD: 'z',
  NATS_OPERATOR_PASSWORD: 'o',
};
const check = (env: Record<string, string>, file = config) =>
  spawnSync(binary, ['-c', file, '-t'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });

describe('deploy/nats', () => {
  it('nats-server accepts the cluster config, and refuses it without its secrets', (context) => {
    if (!existsSync(binary)) {
      console.warn(`no nats-server at ${binary} (npm run nats-server fetches one): config check skipped`);
      return context.skip();
    }
    const valid = check(secrets);
    expect(valid.status, valid.stderr).toBe(0);
    const { NATS_SIFT_PASSWORD: _, ...missing } = secrets;
    const invalid = check(missing);
    expect(invalid.status).not.toBe(0);
    expect(invalid.stderr).toContain('NATS_SIFT_PASSWORD');
  });

  it('names the flush trade-off, and its commented sync_interval: always is a setting nats-server accepts', (context) => {
    const nats = readFileSync(config, 'utf8');
    expect(nats).toMatch(/^ {2}# sync_interval: always$/m);
    expect(nats).toContain('docs/nats-durability.md');
    expect(existsSync(join(packageRoot, 'docs/nats-durability.md'))).toBe(true);
    if (!existsSync(binary)) {
      console.warn(`no nats-server at ${binary} (npm run nats-server fetches one): config check skipped`);
      return context.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'sift-nats-conf-'));
    try {
      writeFileSync(join(dir, 'nats.conf'), nats.replace('  # sync_interval: always', '  sync_interval: always'));
      copyFileSync(join(packageRoot, 'deploy/nats/accounts.conf'), join(dir, 'accounts.conf'));
      const synced = check(secrets, join(dir, 'nats.conf'));
      expect(synced.status, synced.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a device may publish only its own readings, never a dead letter', () => {
    const accounts = readFileSync(join(packageRoot, 'deploy/nats/accounts.conf'), 'utf8');
    expect(accounts).toMatch(/allow: \["telemetry\.\*\.device-0001"\], deny: \["telemetry-dlq\.>"/);
    const nats = readFileSync(config, 'utf8');
    for (const route of ['nats-1', 'nats-2', 'nats-3']) expect(nats).toContain(`nats-route://${route}:6222`);
    expect(nats).toMatch(/^jetstream \{/m);
  });
});
