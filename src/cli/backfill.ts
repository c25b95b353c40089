import cliProgress from 'cli-progress';
import type { SiftConfig } from '../config/load.js';
import { kinds } from '../kinds/registry.js';
import type { Logger } from '../telemetry/logger.js';
import { runBackfill, type BackfillSummary } from '../backfill/backfill.js';
import { parseBound, type RangeBound } from '../backfill/range.js';
import { UsageError } from './args.js';

export const backfillDescription = `Re-reads a range of the stream (--from and --until: a stream sequence or an ISO date-time of
arrival, both ends included) through the worker's pipeline into ClickHouse, with an ephemeral consumer
the live workers never see. Meant for a new database (CLICKHOUSE_DATABASE) or a repaired table: it
refuses when the target already holds rows of the range (rollups would count them twice) unless
--force. The embedded engine binds one directory per process: stop the worker, or backfill into
another CLICKHOUSE_EMBEDDED_PATH.`;

export interface BackfillArgs {
  from: RangeBound;
  until: RangeBound | undefined;
  kinds: string[] | undefined;
}

/** The command line's range and kinds, checked before anything connects. */
export function parseBackfillArgs(options: { from: string; until?: string; kinds?: string }): BackfillArgs {
  const bound = (text: string, name: string) => {
    const parsed = parseBound(text, name);
    if (typeof parsed === 'string') throw new UsageError(parsed);
    return parsed;
  };
  const from = bound(options.from, 'from');
  const until = options.until === undefined ? undefined : bound(options.until, 'until');
  if (until && 'seq' in from && 'seq' in until && until.seq < from.seq)
    throw new UsageError(`--until ${until.seq} is before --from ${from.seq}`);
  if (until && 'timeMs' in from && 'timeMs' in until && until.timeMs < from.timeMs)
    throw new UsageError(`--until ${options.until} is before --from ${options.from}`);
  let selected: string[] | undefined;
  if (options.kinds !== undefined && options.kinds.trim() !== 'all') {
    selected = options.kinds
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const known = kinds.map((k) => k.name);
    const unknown = selected.filter((k) => !known.includes(k));
    if (unknown.length > 0 || selected.length === 0)
      throw new UsageError(`--kinds ${options.kinds}: unknown kind(s) ${unknown.join(', ') || '(none given)'}; known: ${known.join(', ')}`);
  }
  return { from, until, kinds: selected };
}

export function formatBackfillSummary(s: BackfillSummary, database: string): string {
  if (!s.range) return 'nothing to backfill: the stream holds no message in that range';
  const dead = Object.entries(s.deadLettered);
  const deadTotal = dead.reduce((n, [, v]) => n + v, 0);
  return [
    `backfilled sequences ${s.range.first}-${s.range.last} into ${database} in ${s.seconds.toFixed(1)} s (${s.batches} batches)`,
    `received ${s.received}, stored ${s.storedMessages} messages (${s.storedRows} rows), filtered out ${s.filteredOut}, dead-lettered ${deadTotal}${dead.length ? ` (${dead.map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`,
  ].join('\n');
}

export async function backfillCommand(
  config: SiftConfig,
  logger: Logger,
  args: BackfillArgs & { force: boolean },
): Promise<BackfillSummary> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A progress bar only where a person watches.
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'backfilling [{bar}] {percentage}% seq {value}/{total}, {eta}s left', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let first = 0;
  try {
    return await runBackfill(config, logger, {
      ...args,
      signal: stop.signal,
      onRange: (range) => {
        first = range.first - 1;
        bar?.start(range.last - first, 0);
      },
      onProgress: (seq) => bar?.update(seq - first),
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
