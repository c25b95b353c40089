import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import type { SiftConfig } from '../../config/load.js';

export type { NatsConnection };

export function connectionOptions(config: SiftConfig['nats'], name: string): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: config.url.split(',').map((s) => s.trim()),
    name,
    // A worker outlives NATS restarts: keep trying forever, the client buffers meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
  };
  if (config.creds) options.authenticator = credsAuthenticator(readFileSync(config.creds));
  else if (config.token) options.token = config.token;
  else if (config.user) {
    options.user = config.user;
    options.pass = config.password;
  }
  return options;
}

export function connectNats(config: SiftConfig['nats'], name = 'sift'): Promise<NatsConnection> {
  return connect(connectionOptions(config, name));
}
