import { benchTable, runBench, saveBench, type BenchScenario } from '../bench/run-bench.js';
import { intOption, UsageError } from './args.js';

export const benchDescription = `Starts its own nats-server and embedded ClickHouse, preloads the stream, then measures on the
same data: the ceiling (bare consumers), the sift worker (median of --sift-runs, default 3), and a
naive baseline; then filter memory per device-metric and end-to-end latency at half the measured
throughput. Prints a Markdown table and writes JSON to bench/results/.`;

export async function runBenchCommand(values: Record<string, unknown>, out: (line: string) => void): Promise<number> {
  const scenario = String(values.scenario ?? 'device-metrics');
  if (!['device-metrics', 'api', 'mixed'].includes(scenario))
    throw new UsageError(`--scenario must be device-metrics, api or mixed, got "${scenario}"`);
  const result = await runBench({
    scenario: scenario as BenchScenario,
    messages: intOption(values.messages as string | undefined, 'messages', 1_000_000, 1),
    devices: intOption(values.devices as string | undefined, 'devices', 10_000, 1),
    siftRuns: intOption((values.siftRuns ?? values['sift-runs']) as string | undefined, 'sift-runs', 3, 1),
    naiveMessages: intOption((values.naiveMessages ?? values['naive-messages']) as string | undefined, 'naive-messages', 5_000, 1),
    latencySeconds: intOption((values.latencySeconds ?? values['latency-seconds']) as string | undefined, 'latency-seconds', 20, 1),
    log: (line) => process.stderr.write(line + '\n'),
  });
  out(benchTable(result));
  out(`\nwrote ${saveBench(result)}`);
  return 0;
}
