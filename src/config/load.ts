import convict from 'convict';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { schema } from './schema.js';
import { packageRoot } from '../package-root.js';
import { kinds } from '../kinds/registry.js';
import { checkPrivacyRules } from '../transforms/privacy/privacy.js';
import { EnvSourceError, resolveEnv } from './env-sources.js';
import { readConfigFile } from './config-file.js';
import { maskConfig, rememberConfigSecrets } from './secret-keys.js';
import { redact } from './redact.js';
import { natsAuthProblem } from './nats-auth.js';

export type SiftConfig = ReturnType<ReturnType<typeof build>['getProperties']>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  // A message quotes values as given: a URL's password or a remembered secret never reaches it.
  constructor(message: string, options?: ErrorOptions) {
    super(redact(message), options);
  }
}

function build(env: NodeJS.ProcessEnv) {
  return convict(schema, { env, args: [] });
}

/** A key's schema entry, found by walking the schema, for error messages. */
function schemaEntry(path: string): { env?: string; sensitive?: boolean } | undefined {
  let node: unknown = schema;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node as { env?: string; sensitive?: boolean } | undefined;
}

/**
 * Turns convict's "key: rule: value was X" lines into one line naming key, env var, value and rule.
 * A value that did not survive coercion (e.g. "abc" for a number) is shown as given in the
 * environment; a sensitive key's value is never shown.
 */
function describe(error: unknown, env: NodeJS.ProcessEnv): string {
  const lines = String((error as Error).message ?? error)
    .split('\n')
    .filter(Boolean);
  return lines
    .map((line) => {
      const m = /^([\w.]+): (.*?)(?:: value was (.*))?$/.exec(line);
      if (!m) return line;
      const [, key, rule] = m;
      const entry = schemaEntry(key!);
      const where = entry?.env ? `${key} (${entry.env})` : key;
      let value = m[3];
      if (value === undefined && !entry?.sensitive && entry?.env && env[entry.env] !== undefined) value = JSON.stringify(env[entry.env]);
      return value === undefined ? `${where}: ${rule}` : `${where} = ${value}: ${rule}`;
    })
    .join('; ');
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** An extra JSON or YAML file given with --config; wins over config/ files, loses to env. */
  file?: string;
}

/**
 * Defaults < config/default.json < config/<NODE_ENV>.json < --config FILE (JSON or YAML) < environment
 * (with the NATS CLI's aliases and secrets' _FILE variants, see env-sources).
 * Unknown keys and invalid values throw one ConfigError that names each offending key.
 */
export function loadConfig(options: LoadOptions = {}): SiftConfig {
  let env: NodeJS.ProcessEnv;
  try {
    env = resolveEnv(options.env ?? process.env);
  } catch (error) {
    if (error instanceof EnvSourceError) throw new ConfigError(`invalid configuration: ${error.message}`);
    throw error;
  }
  const config = build(env);
  const files = [join(packageRoot, 'config', 'default.json')];
  if (env.NODE_ENV) files.push(join(packageRoot, 'config', `${env.NODE_ENV}.json`));
  if (options.file) {
    if (!existsSync(options.file)) throw new ConfigError(`--config ${options.file}: no such file`);
    files.push(options.file);
  }
  for (const file of files.filter(existsSync)) {
    const read = readConfigFile(file);
    if (!read.ok) throw new ConfigError(`invalid configuration: ${file}: ${read.problem}`);
    // Each file alone first, so an unknown key or a bad value names the file it is in.
    try {
      build({}).load(read.values).validate({ allowed: 'strict' });
    } catch (error) {
      throw new ConfigError(`invalid configuration in ${file}: ${describe(error, {})}`);
    }
    config.load(read.values);
  }
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${describe(error, env)}`);
  }
  const props = config.getProperties();
  rememberConfigSecrets(props);
  checkCombinations(props);
  checkFiles(props);
  return props;
}

/** Every file a key names must be there and readable before any connection is tried. */
function checkFiles(config: SiftConfig): void {
  const files: Array<[key: string, env: string, path: string]> = [
    ['nats.creds', 'NATS_CREDS', config.nats.creds],
    ['nats.nkeySeedFile', 'NATS_NKEY_SEED_FILE', config.nats.nkeySeedFile],
    ['nats.tls.caFile', 'NATS_TLS_CA_FILE', config.nats.tls.caFile],
    ['nats.tls.certFile', 'NATS_TLS_CERT_FILE', config.nats.tls.certFile],
    ['nats.tls.keyFile', 'NATS_TLS_KEY_FILE', config.nats.tls.keyFile],
    ['clickhouse.tlsCaFile', 'CLICKHOUSE_TLS_CA_FILE', config.clickhouse.tlsCaFile],
  ];
  for (const [key, env, path] of files) {
    if (!path) continue;
    let problem: string | undefined;
    try {
      if (!statSync(path).isFile()) problem = 'is not a file';
      else accessSync(path, constants.R_OK);
    } catch (error) {
      problem ??= (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read';
    }
    if (problem) throw new ConfigError(`invalid configuration: ${key} (${env}) = ${JSON.stringify(path)}: ${problem}`);
  }
  const { certFile, keyFile } = config.nats.tls;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(
      'invalid configuration: nats.tls.certFile (NATS_TLS_CERT_FILE) and nats.tls.keyFile (NATS_TLS_KEY_FILE) go together: give both or neither',
    );
  }
  if (config.clickhouse.tlsCaFile && !config.clickhouse.url.startsWith('https://')) {
    throw new ConfigError(
      'invalid configuration: clickhouse.tlsCaFile (CLICKHOUSE_TLS_CA_FILE) is set but CLICKHOUSE_URL is not an https:// URL',
    );
  }
}

/** Rules that tie keys together, checked before any I/O. */
function checkCombinations(config: SiftConfig): void {
  const { batch, nats } = config;
  const auth = natsAuthProblem(nats);
  if (auth) throw new ConfigError(`invalid configuration: ${auth}`);
  if (nats.consumer.maxAckPending <= batch.maxRows) {
    throw new ConfigError(
      `invalid configuration: nats.consumer.maxAckPending (CONSUMER_MAX_ACK_PENDING) = ${nats.consumer.maxAckPending}: ` +
        `must be larger than batch.maxRows (BATCH_MAX_ROWS) = ${batch.maxRows}, or a partition stalls before its batch is full`,
    );
  }
  if (nats.consumer.ackWaitMs <= batch.maxWaitMs) {
    throw new ConfigError(
      `invalid configuration: nats.consumer.ackWaitMs (CONSUMER_ACK_WAIT_MS) = ${nats.consumer.ackWaitMs}: ` +
        `must be longer than batch.maxWaitMs (BATCH_MAX_WAIT_MS) = ${batch.maxWaitMs}`,
    );
  }
  if (nats.consumer.pinnedTtlMs < 3_000) {
    throw new ConfigError(
      `invalid configuration: nats.consumer.pinnedTtlMs (CONSUMER_PINNED_TTL_MS) = ${nats.consumer.pinnedTtlMs}: ` +
        'must be at least 3000: a live worker renews its pin with pulls that expire within a third of it, and a pull lasts at least 1000 ms',
    );
  }
  const outside = nats.consumer.staticPartitions.filter((p) => p >= nats.partitions);
  if (outside.length > 0) {
    throw new ConfigError(
      `invalid configuration: nats.consumer.staticPartitions (WORKER_PARTITIONS) names partition ${outside.join(', ')}: ` +
        `partitions are 0-${nats.partitions - 1} (PARTITIONS = ${nats.partitions})`,
    );
  }
  const retentionS = config.clickhouse.retentionDays * 86_400;
  // 0 follows RETENTION_DAYS: the window is then as long as raw rows are kept.
  if (config.eventTime.maxPastS === 0) config.eventTime.maxPastS = retentionS;
  if (config.eventTime.maxPastS > retentionS) {
    throw new ConfigError(
      `invalid configuration: eventTime.maxPastS (EVENT_TIME_MAX_PAST_S) = ${config.eventTime.maxPastS}: ` +
        `must be at most clickhouse.retentionDays (RETENTION_DAYS) = ${config.clickhouse.retentionDays} days = ${retentionS} s, or older readings are stored and vanish at the next merge`,
    );
  }
  const privacyFields = new Map(kinds.filter((k) => k.privacyFields?.length).map((k) => [k.name, k.privacyFields!]));
  const privacy = checkPrivacyRules(config.privacy.rules, privacyFields, config.privacy.salt);
  if (privacy) throw new ConfigError(`invalid configuration: privacy.rules (PRIVACY): ${privacy}`);
  if (nats.subjectPrefix === nats.dlqSubjectPrefix) {
    throw new ConfigError(
      `invalid configuration: nats.dlqSubjectPrefix (DLQ_SUBJECT_PREFIX) = "${nats.dlqSubjectPrefix}": must differ from nats.subjectPrefix`,
    );
  }
}

/** The configuration as JSON with secrets masked, for logs and `sift config`. */
export function describeConfig(config: SiftConfig): Record<string, unknown> {
  return maskConfig(config) as unknown as Record<string, unknown>;
}
