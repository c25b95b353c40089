import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import type { SiftConfig } from '../../config/load.js';
import { maskUrlList } from '../../config/mask-url.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { backoffDelay, sleep } from '../../util/timing.js';
import { natsServers, urlCredentials } from '../../config/nats-auth.js';

export type { NatsConnection };

export function connectionOptions(config: SiftConfig['nats'], name: string): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: natsServers(config.url).servers,
    name,
    // A worker outlives NATS restarts: keep trying forever, the client buffers meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    // Otherwise every request (each dead letter and journal write is a JetStream publish request)
    // builds two errors with stack traces up front, in case it fails: costly in a flood of bad
    // input. Sift logs a failed request in one line, by its message.
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
  else if (config.nkeySeedFile)
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(config.nkeySeedFile, 'utf8').trim()));
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

/** Who waits how long for NATS at start (NATS_START_RETRY_S; empty: the command's own default). */
export type StartRetry = SiftConfig['nats']['startRetryS'];
/** A one-shot command's default: long enough for a NATS restart, short enough for a person waiting. */
export const ONE_SHOT_START_RETRY_S = 10;

/** Seconds to keep trying, or Infinity: the configured limit, else the command's default. */
export function startRetryLimitS(configured: StartRetry, commandDefault: number | 'forever'): number {
  const limit = configured === '' ? commandDefault : configured;
  return limit === 'forever' ? Infinity : limit;
}

/** Whether a failed first connect can succeed later: a server that is down or restarting, not a wrong credential or TLS setup. */
export function worthRetrying(error: unknown): boolean {
  const err = error as Error;
  if (err?.name === 'AuthorizationError' || err?.name === 'UserAuthenticationExpiredError') return false;
  return !/\b(tls|ssl|certificate|authori[sz]ation|authentication)\b/i.test(err?.message ?? '');
}

export interface ConnectOptions {
  /** Where each failed attempt is logged (default: the logger commands route here, else info level). */
  log?: Logger;
  /** Seconds to keep trying; default NATS_START_RETRY_S, else ONE_SHOT_START_RETRY_S. Infinity: for ever. */
  retryS?: number;
  /** Ends the wait (a SIGTERM while NATS is still away). */
  signal?: AbortSignal;
}

/** Backoff between start-up attempts: 0.5 s doubling to 10 s, each with jitter so a fleet does not knock in step. */
const START_BACKOFF = { initialMs: 500, maxMs: 10_000 };
/** nats.js's own default for one attempt's handshake. */
const ATTEMPT_TIMEOUT_MS = 20_000;

let routedLog: Logger | undefined;
/** Commands set their logger once, so every connect of theirs logs its attempts there. */
export function routeNatsLogs(logger: Logger): void {
  routedLog = logger;
}

/**
 * Connects, retrying a server that is not there yet with capped, jittered backoff until the
 * start-up limit: a worker started before NATS (a rollout, a node reboot) waits instead of exiting.
 */
export async function connectNats(config: SiftConfig['nats'], name = 'sift', options: ConnectOptions = {}): Promise<NatsConnection> {
  const retryS = options.retryS ?? startRetryLimitS(config.startRetryS, ONE_SHOT_START_RETRY_S);
  const where = `NATS at ${maskUrlList(config.url)} (NATS_URL)`;
  const started = Date.now();
  const deadline = started + retryS * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const timeout = Math.max(1_000, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now()));
      return await connect({ ...connectionOptions(config, name), timeout });
    } catch (error) {
      const reason = (error as Error).message;
      // The last wait ends at the limit, so the last attempt is made then.
      const delay = Math.min(backoffDelay(attempt - 1, START_BACKOFF), deadline - Date.now());
      const giveUp = !worthRetrying(error) || delay <= 0;
      if (!giveUp) {
        (options.log ?? routedLog ?? defaultLog()).warn(
          { nats: maskUrlList(config.url), attempt, retryInMs: delay, error: reason },
          `${where} not reachable (attempt ${attempt}: ${reason}); retrying in ${(delay / 1000).toFixed(1)} s`,
        );
        await sleep(delay, options.signal);
      }
      if (giveUp || options.signal?.aborted) {
        const tried = attempt > 1 ? ` after ${attempt} attempts in ${((Date.now() - started) / 1000).toFixed(1)} s` : '';
        const why = options.signal?.aborted
          ? ' (stopped while waiting)'
          : giveUp && worthRetrying(error) && attempt > 1
            ? ' (NATS_START_RETRY_S)'
            : '';
        throw new NatsUnreachableError(`cannot connect to ${where}${tried}${why}: ${reason}`, { cause: error });
      }
    }
  }
}

let fallbackLog: Logger | undefined;
const defaultLog = (): Logger => (fallbackLog ??= createLogger(process.env.LOG_LEVEL ?? 'info'));
