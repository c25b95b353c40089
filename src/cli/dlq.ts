import { Command } from 'commander';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { SiftConfig } from '../config/load.js';
import { connectNats, type NatsConnection } from '../sources/jetstream/connect.js';
import {
  formatDeadLetter,
  formatDeadLetterTable,
  parseSince,
  shownDeadLetter,
  type DeadLetter,
  type DeadLetterFilter,
} from '../sinks/dead-letter/dead-letter-entry.js';
import {
  getDeadLetter,
  purgeDeadLetters,
  readDeadLetters,
  replayDeadLetters,
  type DeadLetterStream,
} from '../sinks/dead-letter/dead-letter-store.js';
import { bodyPrivacy } from '../transforms/privacy/dead-letter-body.js';
import { intOption, UsageError } from './args.js';
import { out, setup, unwrap } from './setup.js';

interface FilterOptions {
  config?: string;
  kind?: string;
  reason?: string;
  since?: string;
  limit?: string;
}

function filterFrom(options: FilterOptions, defaultLimit?: number): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (options.kind !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.kind)) throw new UsageError(`--kind must be one subject token, got "${options.kind}"`);
    filter.kind = options.kind;
  }
  if (options.reason !== undefined) filter.reason = options.reason;
  if (options.since !== undefined) {
    const since = parseSince(options.since, Date.now());
    if (since === undefined)
      throw new UsageError(`--since must be an ISO date-time or a duration such as 30m, 6h, 2d; got "${options.since}"`);
    filter.sinceMs = since;
  }
  const limit = options.limit === undefined ? defaultLimit : intOption(options.limit, 'limit', 0, 1);
  if (limit !== undefined) filter.limit = limit;
  return filter;
}

const withFilters = (command: Command): Command =>
  command
    .option('--config <file>', 'an extra JSON or YAML config file (wins over config/, loses to the environment)')
    .option('--kind <kind>', 'only this event kind (e.g. metrics)')
    .option('--reason <reason>', 'only this reason (e.g. not_json, schema, oversize, unknown_kind)')
    .option('--since <time>', 'dead-lettered at or after this ISO time, or this long ago (30m, 6h, 2d)')
    .option('--limit <n>', 'at most this many');

/** Connects to NATS for one dlq command and closes the connection after it. */
async function withDeadLetters<T>(config: SiftConfig, run: (dlq: DeadLetterStream) => Promise<T>): Promise<T> {
  const nc: NatsConnection = await connectNats(config.nats, 'sift-dlq');
  try {
    const dlq = {
      js: jetstream(nc),
      jsm: await jetstreamManager(nc),
      stream: config.nats.dlqStream,
      subjectPrefix: config.nats.dlqSubjectPrefix,
    };
    return await run(dlq);
  } finally {
    await nc.close();
  }
}

export function dlqCommand(): Command {
  const dlq = new Command('dlq').summary('list, show, replay or purge dead letters').description(
    unwrap(`Dead letters are messages a worker could not store (bad JSON, a schema violation, oversize,
an unknown kind, a rejected insert). They wait in the dead-letter stream (DLQ_STREAM_NAME) with
headers giving the reason and the original subject. Replay one after fixing its cause.`),
  );

  withFilters(
    dlq
      .command('list')
      .summary('a table of dead letters, oldest first')
      .description('Lists dead letters oldest first: sequence, time, kind, reason, detail and original subject (default --limit 100).'),
  ).action(async (options: FilterOptions) => {
    const { config } = setup(options);
    const filter = filterFrom(options, 100);
    const entries: DeadLetter[] = [];
    await withDeadLetters(config, async (d) => {
      for await (const entry of readDeadLetters(d, filter, { headersOnly: true })) entries.push(entry);
    });
    if (entries.length === 0) out('no dead letters match');
    else out(formatDeadLetterTable(entries));
  });

  dlq
    .command('show')
    .summary('one dead letter: every header and the body')
    .argument('<seq>', 'its sequence in the dead-letter stream (from sift dlq list)')
    .option('--config <file>', 'an extra JSON or YAML config file (wins over config/, loses to the environment)')
    .action(async (seq: string, options: { config?: string }) => {
      const { config } = setup(options);
      const n = intOption(seq, 'seq', 0, 1);
      const entry = await withDeadLetters(config, (d) => getDeadLetter(d, n));
      out(formatDeadLetter(shownDeadLetter(entry, bodyPrivacy(config.privacy.rules, config.privacy.salt))));
    });

  withFilters(
    dlq
      .command('replay')
      .summary('republish dead letters to their original subjects, then remove them')
      .description(
        unwrap(`Republishes each matching dead letter's body to the subject its device published to, so it goes
through the pipeline again (after the bug or table that rejected it is fixed), then deletes it and
any other dead letter of the same original, so it is sent once. It only publishes to
<SUBJECT_PREFIX>.<kind>.<key>, with the kind the dead letter was filed under and a valid key; a dead
letter whose headers say otherwise is refused and kept. A body PRIVACY rewrote is replayed from the
original in the telemetry stream, while that keeps it. A message that fails again is dead-lettered
again under a new sequence.`),
      ),
  )
    .option('--dry-run', 'say what would be replayed, change nothing')
    .action(async (options: FilterOptions & { dryRun?: boolean }) => {
      const { config } = setup(options);
      const dryRun = Boolean(options.dryRun);
      const { nats } = config;
      const scope = { stream: nats.stream, subjectPrefix: nats.subjectPrefix, dlqSubjectPrefix: nats.dlqSubjectPrefix };
      const report = await withDeadLetters(config, (d) => replayDeadLetters(d, scope, filterFrom(options), { dryRun }));
      for (const r of report.replayed) out(`${dryRun ? 'would replay' : 'replayed'} ${r.seq} → ${r.subject}`);
      for (const d of report.duplicates)
        out(`${dryRun ? 'would remove' : 'removed'} ${d.seq}: a dead letter of the same original as ${d.of}`);
      for (const r of report.refused) out(`refused ${r.seq}: ${r.why}`);
      out(
        `${dryRun ? 'would replay' : 'replayed'} ${report.replayed.length} dead letter(s), ${dryRun ? 'would remove' : 'removed'} ${report.duplicates.length} duplicate(s), ` +
          `refused ${report.refused.length} (kept in ${nats.dlqStream})`,
      );
    });

  withFilters(
    dlq.command('purge').summary('delete dead letters').description('Deletes the matching dead letters. Without a filter it needs --all.'),
  )
    .option('--all', 'delete every dead letter')
    .action(async (options: FilterOptions & { all?: boolean }) => {
      const { config } = setup(options);
      const filter = filterFrom(options);
      if (Object.keys(filter).length === 0 && !options.all)
        throw new UsageError(
          'sift dlq purge deletes every dead letter without a filter: give --kind, --reason, --since or --limit, or --all',
        );
      const purged = await withDeadLetters(config, (d) => purgeDeadLetters(d, filter));
      out(`purged ${purged} dead letter(s) from ${config.nats.dlqStream}`);
    });

  return dlq;
}
