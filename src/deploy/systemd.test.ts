import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const unitPath = join(packageRoot, 'deploy/systemd/sift-worker.service');
const settings = readFileSync(unitPath, 'utf8')
  .split('\n')
  .filter((line) => /^[A-Za-z]+=/.test(line))
  .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
const values = (key: string) => settings.filter(([k]) => k === key).map(([, v]) => v);

describe('deploy/systemd/sift-worker.service', () => {
  it('runs as a transient user that may write only its state directory, where the embedded engine keeps its data', () => {
    expect(values('DynamicUser')).toEqual(['yes']);
    expect(values('User')).toEqual([]);
    expect(values('StateDirectory')).toEqual(['sift']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('Environment')).toContain('CLICKHOUSE_EMBEDDED_PATH=%S/sift/clickhouse');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'PrivateDevices', 'ProtectHome', 'ProtectKernelTunables', 'RestrictSUIDSGID'])
      expect(values(key), key).toEqual(['yes']);
    expect(values('CapabilityBoundingSet')).toEqual(['']);
    // V8 compiles to memory that is written, then executed.
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
  });

  it('systemd-analyze rates its exposure OK or better', (context) => {
    const analyze = spawnSync('systemd-analyze', ['security', '--offline=true', unitPath], { encoding: 'utf8' });
    if (analyze.error || !/Overall exposure level/.test(analyze.stdout)) {
      console.warn('no systemd-analyze with --offline here (Debian package systemd): exposure check skipped');
      return context.skip();
    }
    const [, score, rating] = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(analyze.stdout) ?? [];
    expect(['SAFE', 'OK'], `exposure ${score} ${rating}`).toContain(rating);
    expect(Number(score)).toBeLessThanOrEqual(1.2);
  });
});
