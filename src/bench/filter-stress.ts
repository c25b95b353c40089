import { DeviceFilter, filterSettings } from '../transforms/device-filter/device-filter.js';
import { decodeDeviceMetrics } from '../kinds/metrics/decode.js';
import { eventTimeWindow } from '../contract/config.js';
import { loadConfig } from '../config/load.js';

export interface FilterStress {
  maxTracked: number;
  devicesTracked: number;
  deviceMetricsTracked: number;
  evictedByCap: number;
  /** Process RSS and heap after the run (after a GC), and the highest RSS seen during it. */
  rssMiB: number;
  peakRssMiB: number;
  heapUsedMiB: number;
}

const MiB = 1024 * 1024;

/**
 * The issue-8 memory stress on the filter alone: `messages` messages of `metrics` metrics each,
 * every one from a new device, decoded as the worker decodes them, with the filter capped at
 * `maxTracked` device-metrics (one partition holding the whole cap). Needs --expose-gc.
 */
export function filterStress(maxTracked: number, messages = 1_000, metrics = 1_000): FilterStress {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const config = loadConfig({ env: {} });
  let evictedByCap = 0;
  const filter = new DeviceFilter(
    filterSettings({ ...config.filter, maxTracked }, { onEvict: (cause, n) => (evictedByCap += cause === 'cap' ? n : 0) }),
  );
  const window = eventTimeWindow(config.eventTime);
  const encoder = new TextEncoder();
  const now = Date.now();
  let peakRss = 0;
  for (let m = 0; m < messages; m++) {
    const values: Record<string, number> = {};
    for (let i = 0; i < metrics; i++) values[`metric_${i}`] = m + i + 0.5;
    const data = encoder.encode(JSON.stringify({ ts: now, metrics: values, labels: { site: 'north' } }));
    const decoded = decodeDeviceMetrics(data, `dev-${m}`, now, window);
    if (!decoded.ok) throw new Error(`message ${m} refused: ${decoded.detail}`);
    filter.process(decoded.value);
    if (m % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  gc();
  const usage = process.memoryUsage();
  return {
    maxTracked,
    devicesTracked: filter.states.size,
    deviceMetricsTracked: filter.states.trackedMetrics,
    evictedByCap,
    rssMiB: Math.round(usage.rss / MiB),
    peakRssMiB: Math.round(Math.max(peakRss, usage.rss) / MiB),
    heapUsedMiB: Math.round(usage.heapUsed / MiB),
  };
}

if (process.argv[1]?.endsWith('filter-stress.js')) {
  const maxTracked = Number(process.argv[2] ?? loadConfig({ env: {} }).filter.maxTracked);
  process.stdout.write(JSON.stringify(filterStress(maxTracked)) + '\n');
}
