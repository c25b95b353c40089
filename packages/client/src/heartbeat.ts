import { arch, cpus, hostname, release, totalmem, type as osType } from 'node:os';

/** The heartbeat kind's `system` object: what an operator wants to know of an instance. */
export interface SystemInfo {
  os: string;
  os_version: string;
  arch: string;
  hostname: string;
  runtime: string;
  runtime_version: string;
  cpu_count: number;
  memory_bytes: number;
}

export function systemInfo(): SystemInfo {
  return {
    os: osType(),
    os_version: release(),
    arch: arch(),
    hostname: hostname(),
    runtime: 'node',
    runtime_version: process.versions.node,
    cpu_count: cpus().length,
    memory_bytes: totalmem(),
  };
}

export interface HeartbeatOptions {
  /** The subject key: one token naming this instance. */
  instanceId: string;
  app: string;
  version?: string;
  /** Seconds between beats; also published as `interval_s`, the worker's staleness yardstick. Default 3600. */
  intervalS?: number;
}

/** Body of a heartbeat (issue 9's contract): the first and the last carry `system`. */
export function heartbeatBody(options: HeartbeatOptions, extra: { status?: string; system?: SystemInfo }): Record<string, unknown> {
  return {
    app: options.app,
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(extra.status !== undefined ? { status: extra.status } : {}),
    interval_s: Math.max(1, Math.ceil(options.intervalS ?? 3600)), // whole seconds, as the heartbeat contract counts them
    ...(extra.system ? { system: extra.system } : {}),
  };
}
