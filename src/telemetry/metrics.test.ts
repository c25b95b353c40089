import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

/** The label values of a kind like the metrics kind: a store reason, a row-only reason, a drop reason and one of its own dead-letter reasons. */
const metricsKind = {
  name: 'metrics',
  storeReasons: ['first_contact'],
  rowOnlyReasons: ['previous'],
  dropReasons: ['unchanged'],
  deadLetterReasons: ['device_mismatch'],
};

describe('createMetrics', () => {
  it('starts every known reason and error class at 0, so rate() sees the first increment', async () => {
    const m = createMetrics({ version: 'test', gitSha: 'test' }, [metricsKind]);
    const text = await m.registry.metrics();
    expect(text).toContain('sift_messages_dead_lettered_total{kind="metrics",reason="not_json"} 0');
    expect(text).toContain('sift_messages_dead_lettered_total{kind="metrics",reason="insert_rejected"} 0');
    expect(text).toContain('sift_messages_stored_total{kind="metrics",reason="first_contact"} 0');
    expect(text).not.toContain('sift_messages_stored_total{kind="metrics",reason="previous"}');
    expect(text).toContain('sift_rows_stored_total{kind="metrics",reason="previous"} 0');
    expect(text).toContain('sift_messages_filtered_out_total{kind="metrics",reason="unchanged"} 0');
    expect(text).toContain('sift_messages_filtered_out_total{kind="metrics",reason="already_stored"} 0');
    expect(text).toContain('sift_messages_dead_lettered_total{kind="metrics",reason="device_mismatch"} 0');
    expect(text).toContain('sift_messages_received_total{kind="metrics"} 0');
    expect(text).toContain('sift_clickhouse_insert_errors_total{error_class="bad_data"} 0');
    expect(text).toContain('sift_clickhouse_insert_retries_total{error_class="network"} 0');
    expect(text).toContain('sift_seconds_since_last_ack 0');
  });
});
