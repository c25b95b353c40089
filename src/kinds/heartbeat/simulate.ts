import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

const APPS = ['billing-api', 'checkout-web', 'report-worker'];
const MACHINES = [
  { os: 'linux', os_version: '6.8.0', arch: 'x64', runtime: 'node', runtime_version: '20.19.0', cpu_count: 4, memory_bytes: 8 * 2 ** 30 },
  {
    os: 'linux',
    os_version: '6.1.0',
    arch: 'arm64',
    runtime: 'python',
    runtime_version: '3.12.3',
    cpu_count: 2,
    memory_bytes: 4 * 2 ** 30,
  },
  {
    os: 'windows',
    os_version: '10.0.22631',
    arch: 'x64',
    runtime: 'dotnet',
    runtime_version: '8.0.4',
    cpu_count: 8,
    memory_bytes: 16 * 2 ** 30,
  },
];

/**
 * Instances beating every 60 s of event time; about one in eight goes silent after its first
 * quarter of beats (so `stale_instances_v` has something to show), and one in five is degraded now and then.
 */
export function heartbeatSimulator(options: SimulatorOptions): KindSimulator {
  const random = seededRandom(options.seed);
  const silentAfter = Array.from({ length: options.keys }, () => (random() < 0.125 ? 10 : Number.POSITIVE_INFINITY));
  let n = 0;
  return {
    next(): SimulatedEvent {
      // Skip instances that went silent, so every call still yields an event.
      for (;;) {
        const instance = n % options.keys;
        const round = Math.floor(n / options.keys);
        n++;
        if (round >= silentAfter[instance]! && silentAfter.some((s) => s === Number.POSITIVE_INFINITY)) continue;
        const machine = MACHINES[instance % MACHINES.length]!;
        return {
          key: `inst-${String(instance).padStart(4, '0')}`,
          body: {
            ts: new Date(options.startMs + round * 60_000).toISOString(),
            app: APPS[instance % APPS.length]!,
            version: instance % 4 === 0 ? '2.4.1' : '2.5.0',
            status: random() < 0.05 ? 'degraded' : 'ok',
            interval_s: 60,
            system: { ...machine, hostname: `host-${instance}` },
          },
        };
      }
    },
  };
}
