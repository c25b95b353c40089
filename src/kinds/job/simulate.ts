import type { KindSimulator, SimulatedEvent, SimulatorOptions } from '../kind.js';
import { seededRandom } from '../../simulate/fleet.js';

interface JobType {
  name: string;
  medianMs: number;
  /** Chances of failure and timeout per run. */
  failRate: number;
  timeoutRate: number;
  /** A retrying job type retries a failure up to this many times. */
  maxRetries: number;
  errorCodes: string[];
}

const JOB_TYPES: JobType[] = [
  {
    name: 'firmware_update',
    medianMs: 95_000,
    failRate: 0.04,
    timeoutRate: 0.02,
    maxRetries: 0,
    errorCodes: ['E_CHECKSUM', 'E_FLASH_WRITE'],
  },
  { name: 'config_sync', medianMs: 1_800, failRate: 0.15, timeoutRate: 0.08, maxRetries: 3, errorCodes: ['E_CONN_RESET', 'E_TIMEOUT'] },
  { name: 'nightly_backup', medianMs: 420_000, failRate: 0.01, timeoutRate: 0.01, maxRetries: 1, errorCodes: ['E_DISK_FULL'] },
  { name: 'report_export', medianMs: 12_000, failRate: 0.03, timeoutRate: 0, maxRetries: 0, errorCodes: ['E_QUERY'] },
  { name: 'log_rotation', medianMs: 300, failRate: 0.001, timeoutRate: 0, maxRetries: 0, errorCodes: ['E_PERMISSION'] },
];

/**
 * Outcomes of `keys` job types: log-normal run times around each type's median, mostly successes,
 * a few failures and timeouts, some cancellations by users, and one retrying type (config_sync)
 * whose failed runs come back with a growing retry_count. Event time moves 1 s an outcome.
 */
export class JobSimulator implements KindSimulator {
  private readonly random: () => number;
  private readonly types: JobType[];
  /** A retrying type's pending retry: the same job id comes back with retry_count + 1. */
  private readonly pending = new Map<string, { jobId: string; deviceId: string; retries: number }>();
  private n = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.random = seededRandom(options.seed);
    this.types = Array.from({ length: Math.max(1, options.keys) }, (_, i) =>
      i < JOB_TYPES.length ? JOB_TYPES[i]! : { ...JOB_TYPES[i % JOB_TYPES.length]!, name: `job_type_${i}` },
    );
  }

  next(): SimulatedEvent {
    const r = this.random;
    const type = this.types[Math.floor(r() * this.types.length)]!;
    const run = this.pending.get(type.name) ?? {
      jobId: `${type.name}-${this.n}`,
      deviceId: `dev-${String(Math.floor(r() * 200)).padStart(5, '0')}`,
      retries: 0,
    };
    this.pending.delete(type.name);
    const roll = r();
    const status =
      roll < type.failRate ? 'failure' : roll < type.failRate + type.timeoutRate ? 'timeout' : roll > 0.995 ? 'cancelled' : 'success';
    const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const body: Record<string, unknown> = {
      ts: new Date(this.options.startMs + this.n++ * 1000).toISOString(),
      job_id: run.jobId,
      status,
      duration_ms: Math.round(type.medianMs * Math.exp(0.5 * normal)),
      device_id: run.deviceId,
      retry_count: run.retries,
      initiated_by: status === 'cancelled' || r() < 0.1 ? `user-${Math.floor(r() * 50)}` : 'scheduler',
      metadata: { region: ['eu-west', 'us-east', 'ap-south'][Math.floor(r() * 3)]!, attempt: run.retries + 1 },
    };
    if (status === 'failure' || status === 'timeout') {
      body.error_code = status === 'timeout' ? 'E_DEADLINE' : type.errorCodes[Math.floor(r() * type.errorCodes.length)]!;
      if (run.retries < type.maxRetries) this.pending.set(type.name, { ...run, retries: run.retries + 1 });
    }
    return { key: type.name, body };
  }
}
