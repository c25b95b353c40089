import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import type { SiftConfig } from '../../config/load.js';
import { maskUrlList } from '../../config/mask-url.js';
import { natsServers, urlCredentials } from './nats-auth.js';

export type { NatsConnection };

export function connectionOptions(config: SiftConfig['nats'], name: string): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: natsServers(config.url).servers,
    name,
    // A worker outlives NATS restarts: keep trying forever, the client buffers meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    // Otherwise every request (each dead letter and journal write is a JetStream publish request)
    // builds two errors with stack traces up front, in case it fails: measured in a flood of bad
    // input, a quarter of the worker's CPU. Sift logs a failed request in one line, by its message.
    noAsyncTraces: true,
  };
  const { caFile, certFile, keyFile } = config.tls;
  // A tls:// URL or any TLS file turns TLS on; the files are checked when the config loads.
  if (caFile || certFile || config.url.includes('tls://')) {
    options.tls = { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile } : {}) };
  }
  // At most one of these is set: the configuration refuses contradicting ways to sign in.
  const fromUrl = urlCredentials(config.url);
  if (config.creds) options.authenticator = credsAuthenticator(readFileSync(config.creds));
  else if (config.nkeySeedFile) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(config.nkeySeedFile, 'utf8').trim()));
  else if (config.token) options.token = config.token;
  else if (config.user) {
    options.user = config.user;
    options.pass = config.password;
  } else if (fromUrl && 'token' in fromUrl) options.token = fromUrl.token;
  else if (fromUrl) {
    options.user = fromUrl.user;
    options.pass = fromUrl.pass;
  }
  return options;
}

/** NATS did not answer at start-up (a later outage is reconnected to, never thrown). */
export class NatsUnreachableError extends Error {
  override name = 'NatsUnreachableError';
}

export async function connectNats(config: SiftConfig['nats'], name = 'sift'): Promise<NatsConnection> {
  try {
    return await connect(connectionOptions(config, name));
  } catch (error) {
    throw new NatsUnreachableError(`cannot connect to NATS at ${maskUrlList(config.url)} (NATS_URL): ${(error as Error).message}`, { cause: error });
  }
}
