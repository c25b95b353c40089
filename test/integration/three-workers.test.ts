import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { siftTestEnv, type SiftTestEnv } from '../helpers/sift-env.js';
import { sift, siftOk, type CliResult } from '../helpers/cli.js';
import { simulate } from '../../src/simulate/publish.js';
import { consumerName } from '../../src/sources/jetstream/subjects.js';
import { parseStoredSubject } from '../../src/contract/stored-subject.js';
import {
  ownershipStints,
  ownershipViolations,
  type PartitionTake,
  type StoredMessage,
} from '../../src/sources/jetstream/ownership-intervals.js';

/**
 * Three `sift worker` processes drain a backlog; the first seen acking on a partition it owns is
 * killed with SIGKILL, and a fourth (d) replaces it while more is published. Each process has its
 * own embedded ClickHouse directory, so every stored row names the process that stored it: nothing
 * may be lost, copies across directories may only be of what the killed one had in flight, and no
 * device may be stored by two processes at once. The filter stores every message (each reading
 * changes its byte counter by far more than the threshold): "stored" reads as "has its rows".
 */

const METRICS_PER_READING = 5;
const BACKLOG = 24_000;
const PUBLISHED_WHILE_RUNNING = 6_000;
const TOTAL = BACKLOG + PUBLISHED_WHILE_RUNNING;
const PARTITIONS = 6;
const settings = {
  PARTITIONS: String(PARTITIONS),
  FILTER_CHANGE_THRESHOLD: '0.000001',
  BATCH_MAX_ROWS: '2000',
  WORKER_HEARTBEAT_MS: '500',
  CONSUMER_PINNED_TTL_MS: '3000',
  CONSUMER_ACK_WAIT_MS: '5000',
  // The "took the partition" lines are the ownership evidence.
  LOG_LEVEL: 'info',
};

interface WorkerProcess {
  name: string;
  env: NodeJS.ProcessEnv;
  takes: PartitionTake[];
  /** Live workers at its last change of assignment (0 until it has joined). */
  members: number;
  exited: boolean;
  done: Promise<CliResult>;
  kill(): void;
  stop(): void;
}

/** A `sift worker` child whose "took the partition" log lines are collected as they come. */
function startWorker(name: string, env: NodeJS.ProcessEnv): WorkerProcess {
  const run = sift(['worker'], env);
  const worker: WorkerProcess = {
    name,
    env,
    takes: [],
    members: 0,
    exited: false,
    done: run.done,
    kill: () => run.child.kill('SIGKILL'),
    stop: () => run.child.kill('SIGTERM'),
  };
  let partial = '';
  run.child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; partition?: number; sessionStartedAt?: number; members?: number; time: number };
      if (entry.msg === 'partitions assigned') worker.members = entry.members!;
      if (entry.msg === 'took the partition')
        worker.takes.push({ owner: name, partition: entry.partition!, atMs: entry.sessionStartedAt ?? entry.time });
    }
  });
  void run.done.then(() => (worker.exited = true));
  return worker;
}

async function consumerInfos(t: SiftTestEnv, jsm: JetStreamManager) {
  const { stream, consumer } = t.config.nats;
  return Promise.all(Array.from({ length: PARTITIONS }, (_, p) => jsm.consumers.info(stream, consumerName(consumer.prefix, p))));
}

/** Who took each partition last, by the workers' own log lines. */
function lastTaker(workers: readonly WorkerProcess[]): Map<number, PartitionTake> {
  const last = new Map<number, PartitionTake>();
  for (const take of workers.flatMap((w) => w.takes).sort((x, y) => x.atMs - y.atMs)) last.set(take.partition, take);
  return last;
}

interface Scenario {
  workers: WorkerProcess[];
  /** The worker killed with SIGKILL (the first seen acking on a partition it owns). */
  killed: string;
  killedAt: number;
  killedAfterMs: number;
  ackedAtKill: number;
  /** The killed worker's partitions and what it had taken but not acked on each: (ackFloor, delivered]. */
  inFlight: Map<number, { ackFloor: number; delivered: number }>;
  drainedAfterKillMs: number;
  seconds: number;
}

/**
 * Three workers join, a backlog is published, one is killed with SIGKILL after its first ack on a
 * partition it owns, a replacement starts while more is published, and the rest drain. The backlog
 * comes after the three have joined: published before, the first engine up drained it alone before
 * the other two processes had started theirs.
 */
async function runScenario(t: SiftTestEnv, envOf: (name: string) => NodeJS.ProcessEnv): Promise<Scenario> {
  const started = performance.now();
  const jsm = await jetstreamManager(t.nc);
  const startMs = Date.parse('2026-11-01T00:00:00Z');
  const workers = ['a', 'b', 'c'].map((name) => startWorker(name, envOf(name)));
  for (const joinedBy = Date.now() + 60_000; !workers.every((w) => w.members === 3); ) {
    const gone = workers.find((w) => w.exited);
    if (gone)
      throw new Error(
        `worker ${gone.name} exited before the three had joined: ${(await gone.done).stderr.split('\n').slice(-3).join(' ')}`,
      );
    if (Date.now() > joinedBy)
      throw new Error(
        `the three workers did not all see each other within 60 s: members seen ${workers.map((w) => `${w.name} ${w.members}`).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
  const startedAt = Date.now();
  const backlog = simulate(t.config, { devices: 50, count: BACKLOG, rate: 0, seed: 3, intervalS: 10, startMs });

  // The victim: the first worker seen acking on a partition it took last (that ack can only be its
  // own). Rendezvous hashing may give a worker no partition at all, so it is not chosen in advance.
  const floorSeen = new Map<number, number>();
  let victim: WorkerProcess | undefined;
  while (!victim) {
    const gone = workers.find((w) => w.exited);
    if (gone) throw new Error(`worker ${gone.name} exited before the kill: ${(await gone.done).stderr.split('\n').slice(-3).join(' ')}`);
    if (Date.now() - startedAt > 60_000)
      throw new Error(
        `no worker acked a message on a partition it owns within 60 s; takes: ${JSON.stringify(workers.map((w) => [w.name, w.takes]))}`,
      );
    const infos = await consumerInfos(t, jsm);
    for (const [p, take] of lastTaker(workers)) {
      const floor = infos[p]!.ack_floor.stream_seq;
      if (floorSeen.has(p) && floor > floorSeen.get(p)!) victim ??= workers.find((w) => w.name === take.owner);
      else floorSeen.set(p, floor);
    }
    if (!victim) await new Promise((r) => setTimeout(r, 20));
  }
  const a = victim;
  const ownedAtKill = [...lastTaker(workers)].filter(([, take]) => take.owner === a.name).map(([p]) => p);
  a.kill();
  const killedAt = Date.now();
  expect((await a.done).signal).toBe('SIGKILL');
  // Read at once: its partitions stay pinned to it (until the pin TTL) and nobody else acks them.
  const infos = await consumerInfos(t, jsm);
  const inFlight = new Map(
    ownedAtKill.map((p) => [p, { ackFloor: infos[p]!.ack_floor.stream_seq, delivered: infos[p]!.delivered.stream_seq }]),
  );
  const ackedAtKill = infos.reduce((sum, info) => sum + info.ack_floor.consumer_seq, 0);
  expect(await backlog).toBe(BACKLOG);

  const d = startWorker('d', envOf('d'));
  workers.push(d);
  // More is published once the replacement has joined, so it gets partitions with work on them.
  for (const joinedBy = Date.now() + 60_000; d.members === 0; ) {
    if (d.exited) throw new Error(`worker d exited before it joined: ${(await d.done).stderr.split('\n').slice(-3).join(' ')}`);
    if (Date.now() > joinedBy) throw new Error('the replacement worker did not join within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  await simulate(t.config, { devices: 50, count: PUBLISHED_WHILE_RUNNING, rate: 0, seed: 4, intervalS: 10, startMs: startMs + 86_400_000 });
  // Drained: every partition acked through its last message. Then a graceful stop (SIGTERM).
  for (const drainedBy = Date.now() + 90_000; ; ) {
    const gone = workers.find((w) => w !== a && w.exited);
    if (gone) throw new Error(`worker ${gone.name} exited while draining: ${(await gone.done).stderr.split('\n').slice(-3).join(' ')}`);
    const left = (await consumerInfos(t, jsm)).reduce((n, info) => n + info.num_pending + info.num_ack_pending, 0);
    if (left === 0) break;
    if (Date.now() > drainedBy) throw new Error(`${left} messages still pending or unacked 90 s after the kill`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const drainedAt = Date.now();
  for (const w of workers) if (w !== a) w.stop();
  for (const w of workers) {
    const result = await w.done;
    // The workers' own account, kept where a failure can be read after the temp directory is gone.
    if (process.env.THREE_WORKERS_LOG_DIR) {
      mkdirSync(process.env.THREE_WORKERS_LOG_DIR, { recursive: true });
      writeFileSync(join(process.env.THREE_WORKERS_LOG_DIR, `worker-${w.name}.log`), result.stderr);
    }
    if (w === a) continue;
    if (result.code !== 0)
      throw new Error(`worker ${w.name} exited ${result.code ?? result.signal}: ${result.stderr.split('\n').slice(-3).join(' ')}`);
  }
  return {
    workers,
    killed: a.name,
    killedAt,
    killedAfterMs: killedAt - startedAt,
    ackedAtKill,
    inFlight,
    drainedAfterKillMs: drainedAt - killedAt,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Each device's partition as the stream's subject transform computed it (the stored subjects name it). */
async function devicePartitions(t: SiftTestEnv): Promise<Map<string, number>> {
  const jsm = await jetstreamManager(t.nc);
  const info = await jsm.streams.info(t.config.nats.stream, { subjects_filter: `${t.config.nats.subjectPrefix}.metrics.>` });
  const partitions = new Map<string, number>();
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const stored = parseStoredSubject(subject);
    if (stored) partitions.set(stored.key, stored.partition);
  }
  return partitions;
}

/** Every partition acked to its end: nothing pending or unacked, and the ack floor at the partition's last message. */
async function expectAckedToTheEnd(t: SiftTestEnv, lastSeqOf: (partition: number) => number): Promise<void> {
  const infos = await consumerInfos(t, await jetstreamManager(t.nc));
  expect(infos.map((info) => [info.num_pending, info.num_ack_pending, info.ack_floor.stream_seq])).toEqual(
    infos.map((_, p) => [0, 0, lastSeqOf(p)]),
  );
}

interface StoredSeq {
  seq: number;
  device: string;
  partition: number;
  rows: number;
  insertedAtMs: number;
}

/** What one process's directory holds, read by a `sift query` child (chDB binds one directory per process). */
async function readDirectory(
  env: NodeJS.ProcessEnv,
): Promise<{ seqs: StoredSeq[]; rawRows: number; hourlySamples: number; dailySamples: number }> {
  // One after the other: the directory takes one process at a time.
  const perSeq = await siftOk(
    [
      'query',
      'SELECT stream_seq, any(device_id), any(partition), count(), toUnixTimestamp64Milli(min(inserted_at)) FROM device_metrics GROUP BY stream_seq',
      '--format',
      'TSV',
    ],
    env,
  );
  const totals = await siftOk(
    [
      'query',
      'SELECT (SELECT count() FROM device_metrics), (SELECT sum(samples) FROM device_metrics_hourly_v), (SELECT sum(samples) FROM device_metrics_daily_v)',
      '--format',
      'TSV',
    ],
    env,
  );
  const seqs = perSeq
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [seq, device, partition, rows, insertedAtMs] = line.split('\t');
      return { seq: Number(seq), device: device!, partition: Number(partition), rows: Number(rows), insertedAtMs: Number(insertedAtMs) };
    });
  const [rawRows, hourlySamples, dailySamples] = totals.trim().split('\t').map(Number) as [number, number, number];
  return { seqs, rawRows, hourlySamples, dailySamples };
}

describe('three worker processes, one killed with SIGKILL and replaced (a directory each)', () => {
  let t: SiftTestEnv | undefined;
  let scenario: Scenario;
  const stored = new Map<string, Awaited<ReturnType<typeof readDirectory>>>();
  let partitionOfDevice: Map<string, number>;

  beforeAll(async () => {
    t = await siftTestEnv({ ...settings, CLICKHOUSE_URL: '' });
    const env = t;
    const envOf = (name: string) => ({ ...env.env, CLICKHOUSE_EMBEDDED_PATH: join(env.dataDir, `clickhouse-${name}`) });
    scenario = await runScenario(env, envOf);
    const read = await Promise.all(scenario.workers.map(async (w) => [w.name, await readDirectory(w.env)] as const));
    for (const [name, dir] of read) stored.set(name, dir);
    partitionOfDevice = await devicePartitions(env);
  }, 150_000);
  afterAll(async () => {
    for (const w of scenario?.workers ?? []) if (!w.exited) w.kill();
    await t?.dispose();
  });

  it('loses nothing; copies across directories are only of what the killed worker had in flight', async () => {
    const env = t!;
    const holders = new Map<number, string[]>();
    const partitionOf = new Map<number, number>();
    for (const [name, dir] of stored) {
      for (const s of dir.seqs) {
        holders.set(s.seq, [...(holders.get(s.seq) ?? []), name]);
        partitionOf.set(s.seq, partitionOfDevice.get(s.device)!);
      }
    }
    // Separate engines cannot deduplicate each other: a commit a left in flight is re-formed by the
    // new owner of each of its member partitions, each in its own directory (one server would drop
    // the repeats by their shared token). Copies of anything else would be a worker storing what it
    // did not own or what was already stored.
    const copies = [...holders].filter(([, names]) => names.length > 1);
    const copiesBy = new Map<string, number>();
    for (const [seq, names] of copies) {
      const where = `p${partitionOf.get(seq)} in ${names.join(',')}`;
      copiesBy.set(where, (copiesBy.get(where) ?? 0) + 1);
    }
    const inFlightMessages = [...scenario.inFlight.values()].reduce((n, r) => n + r.delivered - r.ackFloor, 0);
    const takeover =
      Math.min(
        ...scenario.workers
          .filter((w) => w.name !== scenario.killed)
          .flatMap((w) => w.takes)
          .filter((x) => scenario.inFlight.has(x.partition) && x.atMs > scenario.killedAt)
          .map((x) => x.atMs),
      ) - scenario.killedAt;
    console.info(
      `three workers: ${TOTAL} messages in ${scenario.seconds.toFixed(1)} s; ${scenario.killed} killed ${scenario.killedAfterMs} ms after the backlog began, with ${scenario.ackedAtKill} acked, ` +
        `owning partitions ${[...scenario.inFlight.keys()].join(',')} with ${inFlightMessages} taken but unacked (${[...scenario.inFlight].map(([p, r]) => `p${p} ${r.ackFloor + 1}-${r.delivered}`).join(', ')}); ` +
        `first takeover ${takeover} ms after the kill, all drained ${scenario.drainedAfterKillMs} ms after it; ` +
        `${copies.length} messages stored in more than one directory (${[...copiesBy].map(([k, n]) => `${n} of ${k}`).join('; ') || 'none'}); ` +
        `per directory messages/raw rows/hourly/daily values: ${[...stored].map(([n, dir]) => `${n} ${dir.seqs.length}/${dir.rawRows}/${dir.hourlySamples}/${dir.dailySamples}`).join(', ')}`,
    );

    expect(scenario.ackedAtKill).toBeGreaterThan(0);
    expect(scenario.ackedAtKill).toBeLessThan(BACKLOG);
    expect(scenario.inFlight.size).toBeGreaterThan(0);

    // Within one directory (one engine, one process) every stored message has exactly its rows, in
    // the raw table and, for the workers that lived, both rollups.
    for (const [name, dir] of stored) {
      expect({ name, wrongRowCounts: dir.seqs.filter((s) => s.rows !== METRICS_PER_READING).map((s) => s.seq) }).toEqual({
        name,
        wrongRowCounts: [],
      });
      expect({ name, raw: dir.rawRows }).toEqual({ name, raw: dir.seqs.length * METRICS_PER_READING });
      if (name !== scenario.killed)
        expect({ name, hourly: dir.hourlySamples, daily: dir.dailySamples }).toEqual({ name, hourly: dir.rawRows, daily: dir.rawRows });
    }
    // One commit is a raw part, then an hourly, then a daily one: the kill can cut the killed
    // worker's last commit between them, and only a restart on its directory would complete it.
    // What its rollups miss may only be values of the messages whose commit another worker re-formed.
    const killed = stored.get(scenario.killed)!;
    const reformed = copies.filter(([, names]) => names.includes(scenario.killed)).length * METRICS_PER_READING;
    for (const samples of [killed.hourlySamples, killed.dailySamples]) {
      expect(samples).toBeLessThanOrEqual(killed.rawRows);
      expect(killed.rawRows - samples).toBeLessThanOrEqual(reformed);
    }

    // Every row names the partition its message came from, whoever stored it (a re-formed commit too).
    expect(partitionOfDevice.size).toBe(50);
    for (const [name, dir] of stored) {
      const mislabelled = dir.seqs.filter((s) => s.partition !== partitionOfDevice.get(s.device));
      expect({
        name,
        mislabelled: mislabelled.length,
        first: mislabelled
          .slice(0, 5)
          .map((s) => `seq ${s.seq} of ${s.device} (partition ${partitionOfDevice.get(s.device)}) as partition ${s.partition}`),
      }).toEqual({ name, mislabelled: 0, first: [] });
    }

    const missing = Array.from({ length: TOTAL }, (_, i) => i + 1).filter((seq) => !holders.has(seq));
    expect({ missing: missing.length, first: missing.slice(0, 20) }).toEqual({ missing: 0, first: [] });
    expect(holders.size).toBe(TOTAL);

    const unexplained = copies.filter(([seq]) => {
      const range = scenario.inFlight.get(partitionOf.get(seq)!);
      return !(range && seq > range.ackFloor && seq <= range.delivered);
    });
    expect(unexplained.map(([seq, names]) => `${seq} (partition ${partitionOf.get(seq)}) in ${names.join(',')}`)).toEqual([]);
    expect(copies.length).toBeLessThanOrEqual(inFlightMessages);

    const lastSeq = new Map<number, number>();
    for (const [seq, p] of partitionOf) lastSeq.set(p, Math.max(lastSeq.get(p) ?? 0, seq));
    await expectAckedToTheEnd(env, (p) => lastSeq.get(p) ?? 0);
  });

  it("never has two workers store one device's messages at once; a device moves only when its partition is taken", () => {
    // Left out: what the killed worker had taken but not acked. Its journaled commit is re-formed by
    // the new owner of each member partition, all the group's members each time (on one server the
    // repeats are dropped by their token): finishing the dead worker's commit, not handling a device.
    // The test above bounds those copies.
    const reformable = (s: StoredSeq) => {
      const range = scenario.inFlight.get(partitionOfDevice.get(s.device)!);
      return range !== undefined && s.seq > range.ackFloor && s.seq <= range.delivered;
    };
    const messages: StoredMessage[] = [...stored].flatMap(([owner, dir]) =>
      dir.seqs
        .filter((s) => !reformable(s))
        .map((s) => ({ owner, key: s.device, partition: partitionOfDevice.get(s.device)!, seq: s.seq, insertedAtMs: s.insertedAtMs })),
    );
    const takes = scenario.workers.flatMap((w) => w.takes);
    const stints = ownershipStints(messages);
    expect(ownershipViolations(stints, takes)).toEqual([]);
    // The check bites on this data: without the workers' takes, every move between them is a breach.
    const devices = new Set(stints.map((s) => s.key)).size;
    expect(stints.length).toBeGreaterThan(devices);
    expect(ownershipViolations(stints, [])).toHaveLength(stints.length - devices);

    // Every partition the killed worker owned went to another worker after the kill.
    for (const p of scenario.inFlight.keys()) {
      expect({
        partition: p,
        takenAfterKill: takes.some((x) => x.partition === p && x.owner !== scenario.killed && x.atMs > scenario.killedAt),
      }).toEqual({ partition: p, takenAfterKill: true });
    }
    // And nothing stored by the killed worker after the kill (its last insert precedes it).
    expect(stints.filter((s) => s.owner === scenario.killed && s.toMs > scenario.killedAt)).toEqual([]);
    const leftOut = [...stored.values()].reduce((n, dir) => n + dir.seqs.filter(reformable).length, 0);
    console.info(
      `ownership: ${devices} devices, ${stints.length} stints, ${stints.length - devices} moves between workers, ${takes.length} partition takes; ${leftOut} stored messages in the killed worker's unacked ranges left out`,
    );
  });
});

describe.runIf(Boolean(process.env.CLICKHOUSE_URL))(
  'three worker processes on one ClickHouse server, one killed with SIGKILL and replaced',
  () => {
    let t: SiftTestEnv | undefined;
    afterAll(async () => {
      await t?.dispose();
    });

    it('stores every message exactly once in the raw table and both rollups', async () => {
      t = await siftTestEnv(settings);
      const env = t;
      await runScenario(env, () => env.env);
      const totals = await siftOk(
        [
          'query',
          'SELECT count(), uniqExact(stream_seq), (SELECT sum(samples) FROM device_metrics_hourly_v), (SELECT sum(samples) FROM device_metrics_daily_v) FROM device_metrics',
          '--format',
          'TSV',
        ],
        env.env,
      );
      const [rawRows, seqs, hourly, daily] = totals.trim().split('\t').map(Number);
      expect({ rawRows, seqs, hourly, daily }).toEqual({
        rawRows: TOTAL * METRICS_PER_READING,
        seqs: TOTAL,
        hourly: TOTAL * METRICS_PER_READING,
        daily: TOTAL * METRICS_PER_READING,
      });
      const lastSeqs = await siftOk(
        ['query', 'SELECT partition, max(stream_seq) FROM device_metrics GROUP BY partition', '--format', 'TSV'],
        env.env,
      );
      const lastSeq = new Map(
        lastSeqs
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split('\t').map(Number) as [number, number]),
      );
      await expectAckedToTheEnd(env, (p) => lastSeq.get(p) ?? 0);
    }, 150_000);
  },
);
