import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('deploy/clickhouse/init-roles.sh', () => {
  it('sends roles.sql to the server as the admin, each user identified by the SHA-256 of its password, no clear text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sift-init-roles-'));
    try {
      // A stand-in for the image's `clickhouse` binary: records its arguments and the SQL it is sent.
      writeFileSync(join(dir, 'clickhouse'), `#!/bin/sh\necho "$@" > "${dir}/args"\ncat > "${dir}/sql"\n`);
      chmodSync(join(dir, 'clickhouse'), 0o755);
      const secrets = {
        CLICKHOUSE_USER: 'sift_admin',
        CLICKHOUSE_PASSWORD: 'admin-pw',
        SIFT_WORKER_PASSWORD: "w0rker'pw/&",
        SIFT_ANALYST_PASSWORD: 'analyst pw',
      };
      const run = spawnSync('sh', [join(packageRoot, 'deploy/clickhouse/init-roles.sh')], {
        env: { PATH: `${dir}:${process.env.PATH}`, SIFT_ROLES_SQL: join(packageRoot, 'deploy/clickhouse/roles.sql'), ...secrets },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(join(dir, 'args'), 'utf8')).toMatch(/^client --user sift_admin --password admin-pw --multiquery$/m);
      const sql = readFileSync(join(dir, 'sql'), 'utf8');
      expect(sql).toContain(
        `CREATE USER IF NOT EXISTS sift_worker IDENTIFIED WITH sha256_hash BY '${sha256(secrets.SIFT_WORKER_PASSWORD)}' DEFAULT ROLE sift_writer;`,
      );
      expect(sql).toContain(
        `CREATE USER IF NOT EXISTS sift_analyst_user IDENTIFIED WITH sha256_hash BY '${sha256(secrets.SIFT_ANALYST_PASSWORD)}'`,
      );
      const statements = sql.split('\n').filter((line) => !line.startsWith('--'));
      expect(statements.filter((line) => line.includes('REPLACE_ME'))).toEqual([]);
      for (const secret of [secrets.SIFT_WORKER_PASSWORD, secrets.SIFT_ANALYST_PASSWORD]) expect(sql).not.toContain(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops without a password rather than creating a user without one', () => {
    const run = spawnSync('sh', [join(packageRoot, 'deploy/clickhouse/init-roles.sh')], {
      env: { PATH: process.env.PATH, SIFT_ROLES_SQL: '/dev/null' },
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('SIFT_WORKER_PASSWORD');
  });
});
