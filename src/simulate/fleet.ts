/** Deterministic PRNG (mulberry32): the same seed gives the same fleet on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FleetOptions {
  devices: number;
  seed: number;
  /** Event-time seconds between two readings of one device. */
  intervalS: number;
  /** Event time of the first round of readings, epoch ms. */
  startMs: number;
}

export interface SimulatedReading {
  deviceId: string;
  body: { ts: string; metrics: Record<string, number>; labels: Record<string, string> };
}

interface DeviceSignal {
  id: string;
  site: string;
  temperature: number;
  pressure: number;
  cpu: number;
  flatFor: number;
  bytes: number;
  errorRate: number;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
const SITES = ['north', 'south', 'east', 'west'];

/**
 * A synthetic fleet with the shapes real devices send: temperature as a noisy random walk with
 * occasional steps, pressure drifting slowly, CPU load with flat stretches and jumps, a
 * monotonically growing byte counter, and an error rate that is mostly zero with short spikes.
 * Readings come round-robin: one round is one reading of every device, intervalS apart in event time.
 */
export class Fleet {
  private readonly random: () => number;
  private readonly devices: DeviceSignal[];
  private round = 0;
  private next = 0;

  constructor(private readonly options: FleetOptions) {
    this.random = seededRandom(options.seed);
    this.devices = Array.from({ length: options.devices }, (_, i) => ({
      id: `dev-${String(i).padStart(5, '0')}`,
      site: SITES[i % SITES.length]!,
      temperature: 20 + this.random() * 50,
      pressure: 900 + this.random() * 200,
      cpu: 5 + this.random() * 60,
      flatFor: 0,
      bytes: Math.floor(this.random() * 1e6),
      errorRate: 0,
    }));
  }

  private gaussian(): number {
    // Box–Muller: normal noise from two uniform draws.
    const u = 1 - this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  private step(d: DeviceSignal): void {
    const r = this.random;
    d.temperature += this.gaussian() * 0.15 + (r() < 0.01 ? (r() < 0.5 ? -1 : 1) * (3 + r() * 8) : 0);
    d.temperature = Math.min(110, Math.max(-20, d.temperature));
    d.pressure += this.gaussian() * 0.5;
    if (d.flatFor > 0) d.flatFor--;
    else if (r() < 0.05) {
      d.cpu = Math.min(100, Math.max(0, d.cpu + (r() - 0.5) * 40));
      d.flatFor = Math.floor(r() * 30);
    }
    d.bytes += Math.floor(500 + r() * 2000);
    d.errorRate = r() < 0.02 ? round(r() * 0.2, 4) : d.errorRate > 0 && r() < 0.7 ? d.errorRate : 0;
  }

  /** The next reading, round-robin over devices. */
  nextReading(): SimulatedReading {
    const d = this.devices[this.next]!;
    this.step(d);
    const ts = this.options.startMs + this.round * this.options.intervalS * 1000;
    if (++this.next === this.devices.length) {
      this.next = 0;
      this.round++;
    }
    return {
      deviceId: d.id,
      body: {
        ts: new Date(ts).toISOString(),
        metrics: {
          temperature: round(d.temperature, 2),
          pressure: round(d.pressure, 1),
          cpu_pct: round(d.cpu, 1),
          bytes_total: d.bytes,
          error_rate: d.errorRate,
        },
        labels: { site: d.site, model: 'sim-1' },
      },
    };
  }
}
