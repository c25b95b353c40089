import { DeviceFilter, filterSettings } from '../transforms/device-filter/device-filter.js';
import { loadConfig } from '../config/load.js';

/**
 * Heap held by the filter per tracked device-metric: the heap difference after 100,000 devices of
 * five metrics each made first contact. Needs --expose-gc for a stable reading.
 */
export function filterMemory(devices = 100_000, metrics = 5): { bytesPerDevice: number; bytesPerDeviceMetric: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const filter = new DeviceFilter(filterSettings(loadConfig({ env: {} }).filter));
  const names = ['temperature', 'pressure', 'cpu_pct', 'bytes_total', 'error_rate'].slice(0, metrics);
  const labels = { site: 'north', model: 'sim-1' };
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let d = 0; d < devices; d++) {
    const values: Record<string, number> = {};
    for (const [i, name] of names.entries()) values[name] = d + i + 0.5;
    filter.process({ deviceId: `dev-${d}`, ts: 1_700_000_000_000, metrics: values, labels });
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  if (filter.states.size !== devices) throw new Error('the filter lost devices');
  const bytesPerDevice = (after - before) / devices;
  return { bytesPerDevice, bytesPerDeviceMetric: bytesPerDevice / metrics };
}

if (process.argv[1]?.endsWith('filter-memory.js')) {
  process.stdout.write(JSON.stringify(filterMemory()) + '\n');
}
