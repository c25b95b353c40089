import { Command } from 'commander';
import type { SiftConfig } from '../config/load.js';
import { kinds } from '../kinds/registry.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { hashSecret, isBrowserKey, keyRecord, newSecret, type KeyRecord } from '../gateway/keys/key-record.js';
import { KeyStore, keysBucket } from '../gateway/keys/key-store.js';
import { UsageError } from './args.js';
import { out, setup, unwrap } from './setup.js';

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function withKeyStore<T>(config: SiftConfig, run: (store: KeyStore) => Promise<T>): Promise<T> {
  const nc = await connectNats(config.nats, 'sift-keys');
  try {
    return await run(await KeyStore.open(nc, keysBucket(config.nats.consumer.prefix), config.nats.replicas));
  } finally {
    await nc.close();
  }
}

/** One line per key, never its secret or hash. */
export function formatKeys(records: readonly KeyRecord[]): string {
  if (records.length === 0) return 'no keys';
  const rows = records.map((r) => [
    r.name,
    r.revoked ? 'revoked' : 'active',
    isBrowserKey(r) ? 'browser' : 'server',
    r.kinds.join(','),
    r.keys,
    r.origins.join(',') || '-',
    r.rate > 0 ? `${r.rate}/s` : 'unlimited',
    r.read ? 'yes' : 'no',
    r.createdAt,
  ]);
  const header = ['NAME', 'STATE', 'TYPE', 'KINDS', 'KEYS', 'ORIGINS', 'RATE', 'READ', 'CREATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function keysCommand(): Command {
  const keys = new Command('keys').summary("create, list or revoke the HTTP gateway's API keys").description(
    unwrap(`API keys of the HTTP gateway, kept hashed (SHA-256) in a NATS KV bucket every gateway
watches, so a new or revoked key takes effect on all of them within a second.`),
  );

  keys
    .command('create')
    .description(
      unwrap(`Creates a key and prints it alone on the last line of standard output (it is shown once;
only its hash is kept). A key with --origins is a browser key: usable from those web pages, also as
?key=, and by default only for the kinds a page reports (activity, error, usage) at 1000 events/s.`),
    )
    .requiredOption('--name <name>', 'a unique name: letters, digits, _ or -')
    .option('--kinds <kinds>', `kinds it may send, comma-separated (${kinds.map((k) => k.name).join(', ')}); required for a server key`)
    .option('--keys <glob>', 'subject keys it may send under; * matches any characters (default *)')
    .option('--origins <origins>', 'web page origins it serves, comma-separated, e.g. https://shop.example.com (makes it a browser key)')
    .option('--rate <events/s>', 'events per second through each gateway (default: no limit; 1000 for a browser key)')
    .option('--read', 'may call the read routes (never with --origins)')
    .option('--config <file>', 'an extra JSON config file (wins over config/, loses to the environment)')
    .action(
      async (options: {
        name: string;
        kinds?: string;
        keys?: string;
        origins?: string;
        rate?: string;
        read?: boolean;
        config?: string;
      }) => {
        const rate = options.rate === undefined ? undefined : Number(options.rate);
        if (rate !== undefined && (!Number.isFinite(rate) || rate < 0))
          throw new UsageError(`--rate must be events per second ≥ 0, got "${options.rate}"`);
        const secret = newSecret();
        const made = keyRecord(
          { name: options.name, kinds: list(options.kinds), keys: options.keys, origins: list(options.origins), rate, read: options.read },
          hashSecret(secret),
          new Date(),
          kinds.map((k) => k.name),
        );
        if (!made.ok) throw new UsageError(made.problem);
        const { config } = setup(options);
        const created = await withKeyStore(config, (store) => store.create(made.value));
        if (!created) throw new UsageError(`a key named ${options.name} exists already (revoked names stay taken); choose another --name`);
        for (const warning of made.warnings) process.stderr.write(`${warning}\n`);
        const r = made.value;
        out(
          `created ${isBrowserKey(r) ? 'browser' : 'server'} key ${r.name}: kinds ${r.kinds.join(',')}, keys ${r.keys}${r.origins.length ? `, origins ${r.origins.join(',')}` : ''}, rate ${r.rate > 0 ? `${r.rate}/s` : 'unlimited'}${r.read ? ', read' : ''}`,
        );
        out('the key (shown once, only its hash is kept):');
        out(secret);
      },
    );

  keys
    .command('list')
    .description('Lists every key: name, state, scope, rate, read rights. Never the key or its hash.')
    .option('--config <file>', 'an extra JSON config file (wins over config/, loses to the environment)')
    .action(async (options: { config?: string }) => {
      const { config } = setup(options);
      out(formatKeys(await withKeyStore(config, (store) => store.list())));
    });

  keys
    .command('revoke')
    .description('Revokes a key: every gateway refuses it (401) within a second. Its name stays taken.')
    .argument('<name>', "the key's name")
    .option('--config <file>', 'an extra JSON config file (wins over config/, loses to the environment)')
    .action(async (name: string, options: { config?: string }) => {
      const { config } = setup(options);
      const result = await withKeyStore(config, (store) => store.revoke(name));
      if (result === 'missing') throw new UsageError(`no key named ${name} (sift keys list shows them)`);
      out(result === 'revoked' ? `revoked key ${name}` : `key ${name} was revoked already`);
    });

  return keys;
}
