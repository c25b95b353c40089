import { defaultGatewayBenchOptions, gatewayBenchTable, runGatewayBench, saveGatewayBench } from '../bench/gateway/run-gateway-bench.js';
import { intOption } from './args.js';

export const benchGatewayDescription = `Starts its own nats-server and measures the HTTP gateway against it: the ceiling (this process
publishing the same api events to JetStream, pipelined, acks awaited), then \`sift gateway\` in its own
process under autocannon with single events (as fast as it answers, then at half that rate) and
with batches; then the read routes under concurrent clients with the answer cache on and off, on an
embedded ClickHouse a worker filled. Every measure is the median of --rounds. Loopback only; needs
the development dependencies (autocannon). Prints Markdown tables and writes JSON to bench/results/.`;

export async function runBenchGatewayCommand(values: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  const d = defaultGatewayBenchOptions;
  const option = (name: string, camel: string, fallback: number, min: number) =>
    intOption(values[camel] ?? values[name], name, fallback, min);
  const result = await runGatewayBench({
    seconds: option('seconds', 'seconds', d.seconds, 1),
    rounds: option('rounds', 'rounds', d.rounds, 1),
    connections: option('connections', 'connections', d.connections, 1),
    pacedConnections: option('paced-connections', 'pacedConnections', d.pacedConnections, 1),
    batchConnections: option('batch-connections', 'batchConnections', d.batchConnections, 1),
    batchSize: option('batch-size', 'batchSize', d.batchSize, 1),
    ceilingWindow: option('ceiling-window', 'ceilingWindow', d.ceilingWindow, 1),
    queryClients: option('query-clients', 'queryClients', d.queryClients, 1),
    queryMessages: option('query-messages', 'queryMessages', d.queryMessages, 1),
    queryCacheTtlMs: option('query-cache-ttl-ms', 'queryCacheTtlMs', d.queryCacheTtlMs, 1),
    log: (line) => process.stderr.write(line + '\n'),
  });
  out(gatewayBenchTable(result));
  out(`\nwrote ${saveGatewayBench(result)}`);
  return 0;
}
