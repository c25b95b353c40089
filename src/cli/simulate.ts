import { intOption, UsageError } from './args.js';
import { kinds as registeredKinds, kindNamed } from '../kinds/registry.js';
import type { SimulateOptions } from '../simulate/publish.js';

export const simulateDescription = `Publishes synthetic events to <prefix>.<kind>.<key> on JetStream: a device fleet (metrics) and,
with --kinds, every other kind with realistic shapes (sessions with page views, a few failing
endpoints, a retrying job type, an error storm, devices changing state, instances going silent).
Events of several kinds are interleaved.`;

export function parseSimulateOptions(values: Record<string, string | boolean | undefined>): SimulateOptions {
  const devices = intOption(values.devices as string | undefined, 'devices', 100, 1);
  const rate = intOption(values.rate as string | undefined, 'rate', 0);
  const duration = values.duration === undefined ? undefined : intOption(values.duration as string, 'duration', 0, 1);
  if (duration !== undefined && values.count !== undefined) throw new UsageError('give --count or --duration, not both');
  if (duration !== undefined && rate === 0) throw new UsageError('--duration needs a --rate');
  const count = duration !== undefined ? duration * rate : intOption(values.count as string | undefined, 'count', devices * 30, 1);
  let startMs: number | undefined;
  if (values.start !== undefined) {
    startMs = Date.parse(values.start as string);
    if (Number.isNaN(startMs)) throw new UsageError(`--start must be an ISO date-time, got "${values.start}"`);
  }
  const kinds =
    values.kinds === undefined
      ? undefined
      : String(values.kinds)
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
  const known = registeredKinds.map((k) => k.name);
  const unknown = (kinds ?? []).filter((k) => k !== 'all' && !known.includes(k));
  if (unknown.length > 0)
    throw new UsageError(`--kinds: no kind ${unknown.map((k) => `"${k}"`).join(', ')} (kinds: ${known.join(', ')}, or all)`);
  const chosen = kinds?.includes('all') ? known : kinds;
  // Refused here, before anything is published, so it stops the command as a usage error.
  const silent = (chosen ?? []).find((k) => k !== 'metrics' && !kindNamed(k)?.simulator);
  if (silent !== undefined) throw new UsageError(`kind "${silent}" has no simulator`);
  return {
    kinds: chosen,
    devices,
    count,
    rate,
    seed: intOption(values.seed as string | undefined, 'seed', 1),
    intervalS: intOption(values['interval-s'] as string | undefined, 'interval-s', 10, 1),
    startMs,
  };
}
