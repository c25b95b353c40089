import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, natsServerBinary } from '../../src/tools/nats-server.js';
import { sift, siftOk } from '../helpers/cli.js';

/** Whether this machine has openssl to make the certificates; the test says so when it does not. */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=sift-test-ca');
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=sift-${name}`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
}

async function reachable(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats-server with TLS did not listen on ${port}`);
}

describe.skipIf(!hasOpenssl)('NATS over TLS with a client certificate (certificates made by openssl)', () => {
  let dir: string;
  let server: ChildProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sift-tls-'));
    makeCertificates(dir);
    const port = await freePort();
    server = spawn(
      natsServerBinary(),
      [
        '-js',
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '-sd',
        join(dir, 'js'),
        '--tlsverify',
        '--tlscert',
        join(dir, 'server.pem'),
        '--tlskey',
        join(dir, 'server.key'),
        '--tlscacert',
        join(dir, 'ca.pem'),
      ],
      { stdio: 'ignore' },
    );
    await reachable(port);
    env = {
      NATS_URL: `tls://127.0.0.1:${port}`,
      NATS_TLS_CA_FILE: join(dir, 'ca.pem'),
      NATS_TLS_CERT_FILE: join(dir, 'client.pem'),
      NATS_TLS_KEY_FILE: join(dir, 'client.key'),
      PARTITIONS: '2',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(() => {
    server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('provisions through TLS with the CA and the client certificate', async () => {
    expect(await siftOk(['provision'], env)).toContain('created   stream TELEMETRY');
  });

  it('fails in one line without the client certificate the server requires', async () => {
    const result = await sift(['provision'], { ...env, NATS_TLS_CERT_FILE: '', NATS_TLS_KEY_FILE: '' }).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sift: cannot connect to NATS at tls:\/\/127\.0\.0\.1:\d+ \(NATS_URL\): .+\n$/);
  });
});
