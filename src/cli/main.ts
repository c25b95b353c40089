#!/usr/bin/env node
import { ConfigError, describeConfig, loadConfig } from '../config/load.js';
import { createLogger } from '../telemetry/logger.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { provision, ProvisionConflictError } from '../sources/jetstream/provision.js';
import { createClickHouse, describeTarget, EmbeddedClickHouseError } from '../sinks/clickhouse/client.js';
import { migrate, MigrationError } from '../sinks/clickhouse/migrations.js';
import { intOption, parseCommand, UsageError } from './args.js';
import { runWorker, workerHelp } from './worker.js';
import { queryHelp, runQuery } from './query.js';
import { parseSimulateOptions, simulate, simulateFlags, simulateHelp } from './simulate.js';
import { demoHelp, runDemo } from './demo.js';
import { benchFlags, benchHelp, runBenchCommand } from './bench.js';
import cliProgress from 'cli-progress';

const { SingleBar, Presets } = cliProgress;

const usage = `sift — telemetry from NATS JetStream through a smart filter into ClickHouse

Usage: sift <command> [options]   (every command takes --config FILE and --help)

  worker      consume, filter, insert, ack (--until-idle: exit once drained)
  provision   create the stream, dead-letter stream and partition consumers (idempotent)
  migrate     create the ClickHouse database and tables (idempotent)
  query       run SQL on the configured ClickHouse and print the result
  simulate    publish a synthetic device fleet
  demo        the whole pipeline on this machine, end to end, with a summary
  bench       measure throughput against the ceiling and a naive baseline
  config      print the effective configuration (secrets masked)

Configuration: config/default.json, config/<NODE_ENV>.json, --config FILE, then environment
variables (NATS_URL, CLICKHOUSE_URL, …; see README).`;

const out = (line: string) => process.stdout.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out(usage);
    return command ? 0 : 2;
  }
  const help: Record<string, string> = {
    worker: workerHelp,
    query: queryHelp,
    simulate: simulateHelp,
    demo: demoHelp,
    bench: benchHelp,
    provision: 'sift provision [--config FILE]\n\nCreates the stream, the dead-letter stream and one consumer per partition; reports a conflicting existing setup instead of changing it.',
    migrate: 'sift migrate [--config FILE]\n\nCreates the database and tables from the versioned SQL migrations; each runs once.',
    config: 'sift config [--config FILE]\n\nPrints the effective configuration as JSON, secrets masked.',
  };
  if (!(command in help)) throw new UsageError(`unknown command "${command}"\n\n${usage}`);

  const flags: Parameters<typeof parseCommand>[1] =
    command === 'worker' ? { 'until-idle': { type: 'boolean' as const } }
    : command === 'query' ? { format: { type: 'string' as const } }
    : command === 'simulate' ? simulateFlags
    : command === 'bench' ? benchFlags
    : command === 'demo' ? { devices: { type: 'string' as const }, rounds: { type: 'string' as const }, report: { type: 'string' as const } }
    : {};
  const { values, positionals } = parseCommand(rest, flags, command === 'query');
  if (values.help) {
    out(help[command]!);
    return 0;
  }
  const config = loadConfig({ file: values.config as string | undefined });
  // The demo prints its own summary: its logs stay quiet unless LOG_LEVEL asks for them.
  const logger = createLogger(command === 'demo' && !process.env.LOG_LEVEL ? 'warn' : config.telemetry.logLevel);

  switch (command) {
    case 'worker':
      return runWorker(config, logger, { untilIdle: Boolean(values['until-idle']) });
    case 'provision': {
      const nc = await connectNats(config.nats, 'sift-provision');
      try {
        const report = await provision(nc, config.nats);
        for (const item of report.created) out(`created   ${item}`);
        out(`unchanged ${report.unchanged.length} existing item(s)`);
      } finally {
        await nc.close();
      }
      return 0;
    }
    case 'migrate': {
      const client = await createClickHouse(config.clickhouse);
      try {
        const ran = await migrate(client, { database: config.clickhouse.database, retentionDays: config.clickhouse.retentionDays });
        out(ran.length ? ran.map((id) => `applied ${id}`).join('\n') : 'nothing to apply');
        out(`database ${config.clickhouse.database} on ${describeTarget(config.clickhouse)} is up to date`);
      } finally {
        await client.close();
      }
      return 0;
    }
    case 'query': {
      if (positionals.length !== 1) throw new UsageError(`sift query takes one SQL argument (quote it)\n\n${queryHelp}`);
      const client = await createClickHouse(config.clickhouse, { useDatabase: true });
      try {
        await runQuery(client, positionals[0]!, (values.format as string | undefined) ?? 'PrettyCompactMonoBlock', process.stdout);
      } finally {
        await client.close();
      }
      return 0;
    }
    case 'simulate': {
      const options = parseSimulateOptions(values as Record<string, string | undefined>);
      const started = performance.now();
      // A progress bar only where a person watches: on a terminal, never in logs or pipes.
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'publishing [{bar}] {percentage}% {value}/{total} msgs, {eta}s left', stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(options.count, 0);
      const published = await simulate(config, options, (done) => bar?.update(done)).finally(() => bar?.stop());
      const seconds = (performance.now() - started) / 1000;
      out(`published ${published} messages from ${options.devices} devices in ${seconds.toFixed(1)} s (${Math.round(published / seconds)} msg/s)`);
      return 0;
    }
    case 'demo':
      return runDemo(logger, {
        devices: intOption(values.devices as string | undefined, 'devices', 200, 1),
        rounds: intOption(values.rounds as string | undefined, 'rounds', 90, 1),
        report: (values.report as string | undefined) ?? 'demo-report.html',
      }, out);
    case 'bench':
      return runBenchCommand(values, out);
    case 'config':
      out(JSON.stringify(describeConfig(config), null, 2));
      return 0;
  }
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof UsageError || error instanceof ProvisionConflictError || error instanceof MigrationError || error instanceof EmbeddedClickHouseError;
    process.stderr.write(`sift: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    process.exitCode = error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
  },
);
