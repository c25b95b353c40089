import { jetstream, jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { SiftConfig } from '../config/load.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { consumerName } from '../sources/jetstream/subjects.js';
import { partitionOwners } from '../sources/jetstream/partition-assignment.js';
import { countByReason } from '../sinks/dead-letter/dead-letter-entry.js';
import { readDeadLetters } from '../sinks/dead-letter/dead-letter-store.js';
import { createClickHouse, describeTarget } from '../sinks/clickhouse/client.js';

export const statusDescription = `Reads NATS and ClickHouse, never the embedded engine's directory a worker holds, so it works
while workers run: each partition's owner (the worker the live membership assigns it to) and its
pin on the server, pending and ack-pending counts, the last ack, the live workers, dead letters by
reason (the newest 100,000 scanned), the ClickHouse target and its migration version.`;

/** Dead letters scanned for the counts by reason; a huge dead-letter stream is sampled, and says so. */
export const DLQ_SCAN_LIMIT = 100_000;

export interface PartitionStatus {
  partition: number;
  consumer: string;
  owner: string | undefined;
  pinId: string | undefined;
  pinnedAt: string | undefined;
  pending: number | undefined;
  ackPending: number | undefined;
  lastAck: string | undefined;
}

export interface StatusReport {
  stream: string;
  streamMessages: number;
  workers: string[];
  partitions: PartitionStatus[];
  deadLetters: { stream: string; total: number; scanned: number; byReason: Array<[string, number]> };
  clickhouse: { target: string; database: string; migration: string };
}

/** The server reports pins per priority group; the v3 client types do not declare the field yet. */
interface PriorityGroupState {
  group: string;
  pinned_client_id?: string;
  pinned_ts?: string;
}

function pinOf(info: ConsumerInfo, group: string): PriorityGroupState | undefined {
  const groups = (info as unknown as { priority_groups?: PriorityGroupState[] }).priority_groups ?? [];
  return groups.find((g) => g.group === group && g.pinned_client_id);
}

/** The last ack's time; the server sends a timestamp, absent while nothing was ever acked. */
function lastAck(info: ConsumerInfo): string | undefined {
  const last = info.ack_floor?.last_active as unknown;
  if (typeof last !== 'string' || last.startsWith('0001-')) return undefined;
  return last;
}

export async function gatherStatus(config: SiftConfig, options: { readEmbedded: boolean }): Promise<StatusReport> {
  const { nats } = config;
  const nc = await connectNats(nats, 'sift-status');
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const streamInfo = await jsm.streams.info(nats.stream);
    let workers: string[] = [];
    try {
      const kv = await new Kvm(nc).open(`${nats.consumer.prefix}-workers`);
      for await (const key of await kv.keys()) workers.push(key);
    } catch {
      workers = [];
    }
    workers.sort();
    const owners = workers.length > 0 ? partitionOwners(workers, nats.partitions) : [];
    const partitions: PartitionStatus[] = [];
    for (let p = 0; p < nats.partitions; p++) {
      const name = consumerName(nats.consumer.prefix, p);
      const info = await jsm.consumers.info(nats.stream, name).catch(() => undefined);
      const pin = info && pinOf(info, nats.consumer.group);
      partitions.push({
        partition: p,
        consumer: name,
        owner: owners[p],
        pinId: pin?.pinned_client_id,
        pinnedAt: pin?.pinned_ts,
        pending: info?.num_pending,
        ackPending: info?.num_ack_pending,
        lastAck: info && lastAck(info),
      });
    }
    const dlqInfo = await jsm.streams.info(nats.dlqStream).catch(() => undefined);
    const total = dlqInfo?.state.messages ?? 0;
    // Newest first matters most: scan from where the last DLQ_SCAN_LIMIT messages start.
    const startSeq = Math.max(dlqInfo?.state.first_seq ?? 1, (dlqInfo?.state.last_seq ?? 0) - DLQ_SCAN_LIMIT + 1);
    const entries: Array<{ reason: string }> = [];
    if (total > 0) {
      const dlq = { js, jsm, stream: nats.dlqStream, subjectPrefix: nats.dlqSubjectPrefix };
      for await (const e of readDeadLetters(dlq, { limit: DLQ_SCAN_LIMIT }, { headersOnly: true, startSeq })) entries.push(e);
    }
    return {
      stream: nats.stream,
      streamMessages: streamInfo.state.messages,
      workers,
      partitions,
      deadLetters: { stream: nats.dlqStream, total, scanned: entries.length, byReason: countByReason(entries) },
      clickhouse: {
        target: describeTarget(config.clickhouse),
        database: config.clickhouse.database,
        migration: await migrationVersion(config, options.readEmbedded),
      },
    };
  } finally {
    await nc.close();
  }
}

async function migrationVersion(config: SiftConfig, readEmbedded: boolean): Promise<string> {
  if (!config.clickhouse.url && !readEmbedded) return 'embedded ClickHouse: not read while a worker may hold it (--clickhouse reads it)';
  const client = await createClickHouse(config.clickhouse);
  try {
    const result = await client.query({
      query: `SELECT version, toString(applied_at) AS applied_at FROM ${config.clickhouse.database}.schema_migrations ORDER BY applied_at DESC, version DESC LIMIT 1`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ version: string; applied_at: string }>();
    return row ? `${row.version} (applied ${row.applied_at} UTC)` : 'no migration applied';
  } catch (error) {
    return `unreadable: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    await client.close();
  }
}

const cell = (value: string | number | undefined) => (value === undefined ? '-' : String(value));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatStatus(s: StatusReport): string {
  const lines = [
    `stream ${s.stream}: ${s.streamMessages} messages`,
    `live workers (${s.workers.length}): ${s.workers.join(', ') || 'none'}`,
    '',
  ];
  lines.push(
    table([
      ['PARTITION', 'CONSUMER', 'OWNER', 'PIN', 'PENDING', 'ACK PENDING', 'LAST ACK'],
      ...s.partitions.map((p) => [
        String(p.partition),
        p.consumer,
        cell(p.owner),
        p.pinId ? `${p.pinId} since ${p.pinnedAt ?? '?'}` : 'none',
        cell(p.pending),
        cell(p.ackPending),
        cell(p.lastAck),
      ]),
    ]),
  );
  lines.push('');
  const d = s.deadLetters;
  const sampled = d.scanned < d.total ? ` (the newest ${d.scanned} of ${d.total} scanned)` : '';
  lines.push(
    `dead letters in ${d.stream}: ${d.total}${d.byReason.length ? ` — ${d.byReason.map(([r, n]) => `${r} ${n}`).join(', ')}` : ''}${sampled}`,
  );
  lines.push(`${s.clickhouse.target}, database ${s.clickhouse.database}: migration ${s.clickhouse.migration}`);
  return lines.join('\n');
}
