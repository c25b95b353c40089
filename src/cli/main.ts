#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import cliProgress from 'cli-progress';
import { describeConfig } from '../config/load.js';
import { buildInfo } from '../telemetry/build-info.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { provision } from '../sources/jetstream/provision.js';
import { createClickHouse, describeTarget } from '../sinks/clickhouse/client.js';
import { migrate, planMigrations } from '../sinks/clickhouse/migrations.js';
import { ANALYST_QUERY_LIMITS } from '../sinks/clickhouse/read-only-query.js';
import { intOption } from './args.js';
import { runWorker, workerDescription } from './worker.js';
import { queryDescription, runQuery } from './query.js';
import { parseSimulateOptions, simulateDescription } from './simulate.js';
import { simulate } from '../simulate/publish.js';
import { demoDescription, runDemo } from './demo.js';
import { benchDescription, runBenchCommand } from './bench.js';
import { benchGatewayDescription, runBenchGatewayCommand } from './bench-gateway.js';
import { describeFailure } from './failure.js';
import { out, setup, unwrap } from './setup.js';
import { dlqCommand } from './dlq.js';
import { alertsCommand } from './alerts.js';
import { formatStatus, gatherStatus, statusDescription } from './status.js';
import { chaosDescription, runChaos } from './chaos.js';
import { gatewayDescription, runGateway } from './gateway.js';
import { keysCommand } from './keys.js';
import { backfillCommand, backfillDescription, formatBackfillSummary, parseBackfillArgs } from './backfill.js';

const { SingleBar, Presets } = cliProgress;

/** Every command takes --config FILE. */
function command(program: Command, name: string, summary: string, description: string): Command {
  return program
    .command(name)
    .summary(summary)
    .description(unwrap(description))
    .option('--config <file>', 'an extra JSON or YAML config file (wins over config/, loses to the environment)');
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('sift')
    .description('Telemetry from NATS JetStream through a smart filter into ClickHouse.')
    .version(buildInfo().version, '-V, --version', 'print the version')
    .addHelpText(
      'after',
      '\nConfiguration: config/default.json, config/<NODE_ENV>.json, --config FILE, then environment\nvariables (NATS_URL, CLICKHOUSE_URL, …; see docs/configuration.md).',
    )
    .showHelpAfterError('(sift --help lists the commands; sift <command> --help its options)')
    .exitOverride();

  command(program, 'worker', 'consume, filter, insert, ack (--until-idle: exit once drained)', workerDescription)
    .option('--until-idle', 'exit 0 once every partition has nothing pending and every batch is acked')
    .action(async (options: { config?: string; untilIdle?: boolean }) => {
      const { config, logger } = setup(options, false, 'worker');
      setExitCode(await runWorker(config, logger, { untilIdle: Boolean(options.untilIdle) }));
    });

  command(program, 'gateway', 'serve the HTTP gateway: events over HTTP into the stream (docs/gateway.md)', gatewayDescription).action(
    async (options: { config?: string }) => {
      const { config, logger } = setup(options);
      setExitCode(await runGateway(config, logger));
    },
  );

  command(
    program,
    'provision',
    'create the stream, dead-letter stream and partition consumers (idempotent)',
    'Creates the stream, the dead-letter stream and one consumer per partition; reports a conflicting existing setup instead of changing it, except the retention of the dead-letter stream, which it sets to DLQ_MAX_AGE_S.',
  ).action(async (options: { config?: string }) => {
    const { config } = setup(options);
    const nc = await connectNats(config.nats, 'sift-provision');
    try {
      const report = await provision(nc, config.nats);
      for (const item of report.created) out(`created   ${item}`);
      for (const item of report.updated) out(`updated   ${item}`);
      out(`unchanged ${report.unchanged.length} existing item(s)`);
    } finally {
      await nc.close();
    }
  });

  command(
    program,
    'migrate',
    'create the ClickHouse database and tables (idempotent); apply a RETENTION_DAYS change',
    "Creates the database and tables from the versioned SQL migrations; each runs once. Changes the raw tables' TTL to RETENTION_DAYS (workers only warn about a difference), saying so first.",
  )
    .option('--dry-run', 'print the SQL it would run, run nothing')
    .action(async (options: { config?: string; dryRun?: boolean }) => {
      const { config } = setup(options);
      const client = await createClickHouse(config.clickhouse);
      try {
        const migrateOptions = {
          database: config.clickhouse.database,
          retentionDays: config.clickhouse.retentionDays,
          rollupRetentionDays: config.clickhouse.rollupRetentionDays,
          cluster: config.clickhouse.cluster,
        };
        const plan = await planMigrations(client, migrateOptions);
        for (const change of plan.retention) {
          out(
            `${options.dryRun ? 'would change' : 'changing'} the TTL of ${change.table} from ${change.currentDays ?? 'none'} to ${change.wantedDays} days (RETENTION_DAYS); ClickHouse recomputes it for every part, and rows older than that go at the next merges`,
          );
        }
        if (options.dryRun) {
          out(
            `-- on ${describeTarget(config.clickhouse)}: ${plan.pending.length} pending migration(s), ${plan.retention.length} TTL change(s)`,
          );
          for (const statement of plan.setup) out(`${statement};`);
          for (const m of plan.pending) {
            out(`-- ${m.id}`);
            for (const statement of m.statements) out(`${statement};`);
          }
          for (const change of plan.retention) out(`${change.statement};`);
          return;
        }
        const ran = await migrate(client, migrateOptions);
        out(ran.length ? ran.map((id) => `applied ${id}`).join('\n') : 'nothing to apply');
        out(`database ${config.clickhouse.database} on ${describeTarget(config.clickhouse)} is up to date`);
      } finally {
        await client.close();
      }
    });

  command(program, 'query', 'run SQL on the configured ClickHouse and print the result', queryDescription)
    .argument('<sql>', 'the SQL to run (quote it)')
    .option('--format <format>', 'any ClickHouse output format, e.g. CSVWithNames, JSONEachRow', 'PrettyCompactMonoBlock')
    .option('--timeout <s>', `seconds a read-only query may run (default ${ANALYST_QUERY_LIMITS.maxExecutionTimeS})`)
    .option('--max-rows <n>', `rows a read-only query may return; more fails it (default ${ANALYST_QUERY_LIMITS.maxResultRows})`)
    .option('--write', 'run any statement as written: changes, table functions, settings (off: read-only)')
    .action(async (sql: string, options: { config?: string; format: string; write?: boolean; timeout?: string; maxRows?: string }) => {
      const { config } = setup(options);
      const limits = {
        ...ANALYST_QUERY_LIMITS,
        maxExecutionTimeS: intOption(options.timeout, 'timeout', ANALYST_QUERY_LIMITS.maxExecutionTimeS, 1),
        maxResultRows: intOption(options.maxRows, 'max-rows', ANALYST_QUERY_LIMITS.maxResultRows, 1),
      };
      const client = await createClickHouse(config.clickhouse, { useDatabase: true });
      try {
        await runQuery(
          client,
          sql,
          { format: options.format, write: Boolean(options.write), database: config.clickhouse.database, limits },
          process.stdout,
        );
      } finally {
        await client.close();
      }
    });

  command(program, 'simulate', 'publish a synthetic device fleet', simulateDescription)
    .option('--devices <n>', 'devices in the fleet (default 100)')
    .option('--count <n>', 'messages to publish (default: devices × 30)')
    .option('--duration <s>', 'publish for this many seconds instead of a count (needs --rate)')
    .option('--rate <r>', 'messages per second, 0 = as fast as JetStream acks (default 0)')
    .option('--seed <n>', 'seed of the deterministic fleet (default 1)')
    .option('--interval-s <s>', 'event-time seconds between two readings of a device (default 10)')
    .option('--start <iso>', 'event time of the first reading (default: so the last reading is about now)')
    .option('--kinds <list>', 'kinds to publish, comma-separated, or all (default metrics)')
    .action(async (options: Record<string, string | undefined>) => {
      const { config } = setup(options);
      const parsed = parseSimulateOptions({ ...options, 'interval-s': options.intervalS });
      const started = performance.now();
      // A progress bar only where a person watches: on a terminal, never in logs or pipes.
      const bar = process.stderr.isTTY
        ? new SingleBar(
            { format: 'publishing [{bar}] {percentage}% {value}/{total} msgs, {eta}s left', stream: process.stderr },
            Presets.shades_classic,
          )
        : undefined;
      bar?.start(parsed.count, 0);
      const published = await simulate(config, parsed, (done) => bar?.update(done)).finally(() => bar?.stop());
      const seconds = (performance.now() - started) / 1000;
      out(
        `published ${published} messages from ${parsed.devices} devices in ${seconds.toFixed(1)} s (${Math.round(published / seconds)} msg/s)`,
      );
    });

  command(program, 'demo', 'the whole pipeline on this machine, end to end, with a summary', demoDescription)
    .option('--devices <n>', 'devices in the fleet (default 200)')
    .option('--rounds <n>', 'readings per device (default 90)')
    .option('--report <file>', 'where the HTML report goes', 'demo-report.html')
    .action(async (options: { config?: string; devices?: string; rounds?: string; report: string }) => {
      const { logger } = setup(options, true);
      setExitCode(
        await runDemo(
          logger,
          {
            devices: intOption(options.devices, 'devices', 200, 1),
            rounds: intOption(options.rounds, 'rounds', 90, 1),
            report: options.report,
          },
          out,
        ),
      );
    });

  command(program, 'bench', 'measure throughput against the ceiling and a naive baseline', benchDescription)
    .option('--scenario <name>', 'device-metrics (default), api (every event stored) or mixed (every kind)')
    .option('--messages <n>', 'messages preloaded (default 1000000)')
    .option('--devices <n>', 'devices (default 10000)')
    .option('--sift-runs <n>', 'worker runs, the median is reported (default 3)')
    .option('--naive-messages <n>', 'messages for the naive baseline (default 5000)')
    .option('--latency-seconds <s>', 'seconds of the latency run (default 20)')
    .action(async (options: Record<string, string | undefined>) => {
      setExitCode(await runBenchCommand(options, out));
    });

  command(program, 'bench-gateway', 'measure the HTTP gateway against the JetStream ceiling, and its read routes', benchGatewayDescription)
    .option('--seconds <s>', 'seconds of each measured run (default 10)')
    .option('--rounds <n>', 'rounds of every measure, the median is reported (default 3)')
    .option('--connections <n>', 'connections sending single events (default 50)')
    .option('--paced-connections <n>', 'connections of the half-rate run the p99 target is judged on (default 10)')
    .option('--batch-connections <n>', 'connections sending batches (default 10)')
    .option('--batch-size <n>', 'events per batch request (default 100)')
    .option('--ceiling-window <n>', 'publishes the ceiling keeps awaiting their ack (default 4096)')
    .option('--query-clients <n>', 'concurrent clients of the read routes (default 50)')
    .option('--query-messages <n>', 'messages of every kind stored for the read routes (default 50000)')
    .option('--query-cache-ttl-ms <ms>', "the read routes' answer cache when on (default 5000, as GATEWAY_QUERY_CACHE_TTL_MS)")
    .action(async (options: Record<string, string | undefined>) => {
      setExitCode(await runBenchGatewayCommand(options, out));
    });

  command(program, 'chaos', 'kill workers at random mid-stream, then check every message is stored exactly once', chaosDescription)
    .option('--messages <n>', 'messages published before the first worker starts (default 200000)')
    .option('--devices <n>', 'devices (default 1000)')
    .option('--kills <n>', 'workers killed with SIGKILL (default 10)')
    .option('--min-run-s <s>', 'shortest run of a worker before its kill (default 3)')
    .option('--max-run-s <s>', 'longest run (default 8)')
    .option('--nats-restarts <n>', 'nats-server restarts (hard kills) spread over the run (default 0)')
    .option('--partitions <n>', 'partitions (default 16)')
    .option('--seed <n>', 'seed of the fleet and the kill times (default 1)')
    .action(async (options: Record<string, string | undefined>) => {
      const report = await runChaos({
        messages: intOption(options.messages, 'messages', 200_000, 1),
        devices: intOption(options.devices, 'devices', 1_000, 1),
        kills: intOption(options.kills, 'kills', 10, 0),
        minRunS: intOption(options.minRunS, 'min-run-s', 3, 1),
        maxRunS: intOption(options.maxRunS, 'max-run-s', 8, 1),
        natsRestarts: intOption(options.natsRestarts, 'nats-restarts', 0, 0),
        partitions: intOption(options.partitions, 'partitions', 16, 1),
        seed: intOption(options.seed, 'seed', 1),
        log: (line) => process.stderr.write(line + '\n'),
      });
      out(JSON.stringify(report, null, 2));
      setExitCode(report.ok ? 0 : 1);
    });

  command(program, 'backfill', 're-read a range of the stream into ClickHouse (a new database, a repaired table)', backfillDescription)
    .requiredOption('--from <time|seq>', 'first stream sequence, or arrival time (ISO 8601), to re-read')
    .option('--until <time|seq>', 'last sequence or arrival time, included (default: the end of the stream when it starts)')
    .option('--kinds <list>', 'kinds to re-read, comma-separated (default: the whole stream)')
    .option('--force', 'store even when the target already holds rows of the range (rollups then count it twice)')
    .action(async (options: { config?: string; from: string; until?: string; kinds?: string; force?: boolean }) => {
      const args = parseBackfillArgs(options);
      const { config, logger } = setup(options, true);
      out(
        formatBackfillSummary(
          await backfillCommand(config, logger, { ...args, force: Boolean(options.force) }),
          config.clickhouse.database,
        ),
      );
    });

  command(
    program,
    'config',
    'print the effective configuration (secrets masked)',
    'Prints the effective configuration as JSON, secrets masked.',
  ).action((options: { config?: string }) => {
    const { config } = setup(options);
    out(JSON.stringify(describeConfig(config), null, 2));
  });

  command(program, 'status', 'partitions, owners, backlog, dead letters and ClickHouse, while workers run', statusDescription)
    .option('--clickhouse', 'read the embedded ClickHouse too (only when no worker holds its directory)')
    .action(async (options: { config?: string; clickhouse?: boolean }) => {
      const { config } = setup(options);
      out(formatStatus(await gatherStatus(config, { readEmbedded: Boolean(options.clickhouse) })));
    });

  program.addCommand(dlqCommand());
  program.addCommand(alertsCommand());
  program.addCommand(keysCommand());

  return program;
}

/** Exit codes: 0 done, 1 a runtime failure, 2 a usage or configuration error. */
async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    // Commander has already printed its message (and the help for a usage error).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const failure = describeFailure(error);
    process.stderr.write(`sift: ${failure.line}\n`);
    if (failure.stack && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${failure.stack}\n`);
    return failure.usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
