import type { TableColumns } from '../../pipeline/batch-output.js';
import type { FieldPrivacy } from '../../transforms/privacy/privacy.js';
import { DEFAULT_INTERVAL_S, type Heartbeat } from './decode.js';

/** telemetry.heartbeats, as Sift writes it (inserted_at takes its default). */
export const HEARTBEATS: TableColumns = {
  table: 'heartbeats',
  columns: [
    'ts',
    'instance_id',
    'app',
    'version',
    'status',
    'interval_s',
    'os',
    'os_version',
    'arch',
    'hostname',
    'runtime',
    'runtime_version',
    'cpu_count',
    'memory_bytes',
    'stream_seq',
  ],
};

/** The row of a heartbeat: absent text is '', an absent interval the default, absent numbers of `system` null. */
export function heartbeatRow(beat: Heartbeat, privacy: FieldPrivacy, streamSeq: number): unknown[] {
  const { body } = beat;
  const system = body.system ?? {};
  return [
    beat.ts,
    beat.instanceId,
    body.app,
    body.version ?? '',
    body.status ?? '',
    body.interval_s ?? DEFAULT_INTERVAL_S,
    system.os ?? '',
    system.os_version ?? '',
    system.arch ?? '',
    privacy.apply('hostname', system.hostname) ?? '',
    system.runtime ?? '',
    system.runtime_version ?? '',
    system.cpu_count ?? null,
    system.memory_bytes ?? null,
    streamSeq,
  ];
}
