import { describe, expect, it } from 'vitest';
import { decodeJobOutcome } from './decode.js';
import { jobOutcomeRow, JOB_OUTCOMES } from './rows.js';
import { fieldPrivacy } from '../../transforms/privacy/privacy.js';
import { JobSimulator } from './simulate.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const DAY = 86_400_000;
const WINDOW = { maxPastMs: 90 * DAY, maxFutureMs: DAY };
const ARRIVAL = Date.UTC(2026, 10, 23, 19, 20, 0);
const decode = (body: unknown) => decodeJobOutcome(bytes(body), 'config_sync', ARRIVAL, WINDOW);
const outcome = (extra: Record<string, unknown> = {}) => ({ job_id: 'j-1', status: 'success', duration_ms: 1500, ...extra });

describe('job outcome decoding', () => {
  it('reads an outcome, retry_count 0 by default', () => {
    expect(decode(outcome())).toEqual({
      ok: true,
      value: {
        jobType: 'config_sync',
        ts: ARRIVAL,
        jobId: 'j-1',
        status: 'success',
        durationMs: 1500,
        deviceId: undefined,
        errorCode: undefined,
        retryCount: 0,
        initiatedBy: undefined,
        metadata: {},
      },
    });
  });

  it('stores metadata values as text: strings as they are, others as JSON', () => {
    const result = decode(
      outcome({
        status: 'failure',
        retry_count: 2,
        error_code: 'E1',
        metadata: { region: 'eu', attempt: 3, ok: false, tags: ['a'], none: null },
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: { retryCount: 2, errorCode: 'E1', metadata: { region: 'eu', attempt: '3', ok: 'false', tags: '["a"]', none: 'null' } },
    });
  });

  it('keeps metadata keys named like Object.prototype members as data', () => {
    const result = decode(`{"job_id":"j","status":"success","duration_ms":1,"metadata":{"__proto__":1,"constructor":"x"}}`);
    expect(result.ok && Object.entries(result.value.metadata)).toEqual([
      ['__proto__', '1'],
      ['constructor', 'x'],
    ]);
  });

  it.each([
    ['an unknown status', outcome({ status: 'done' }), 'schema', '/status'],
    ['no job_id', { status: 'success', duration_ms: 1 }, 'schema', '/job_id'],
    ['no duration', { job_id: 'j', status: 'success' }, 'schema', '/duration_ms'],
    ['a negative retry_count', outcome({ retry_count: -1 }), 'schema', '/retry_count'],
    ['a fractional retry_count', outcome({ retry_count: 1.5 }), 'schema', '/retry_count'],
    ['metadata that is not an object', outcome({ metadata: 'x' }), 'schema', '/metadata'],
    ['a metadata value too long', outcome({ metadata: { big: 'x'.repeat(5000) } }), 'schema', '/metadata/big: value is 5000 characters'],
    ['an unknown field', outcome({ job_type: 'x' }), 'schema', '/: unexpected property "job_type"'],
    ['a ts two days ahead', outcome({ ts: ARRIVAL + 2 * DAY }), 'ts_out_of_range', '/ts'],
  ])('dead-letters %s', (_name, body, reason, detail) => {
    const result = decode(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail).toContain(detail);
    }
  });
});

describe('job outcome rows', () => {
  it('are in the table column order; PRIVACY hashes initiated_by', () => {
    const decoded = decode(outcome({ initiated_by: 'alice', device_id: 'd1' }));
    if (!decoded.ok) throw new Error(decoded.detail);
    const privacy = fieldPrivacy({ job: { hash: ['initiated_by'] } }, 'job', 'salt');
    const row = jobOutcomeRow(decoded.value, privacy, 9);
    expect(Object.fromEntries(JOB_OUTCOMES.columns.map((c, i) => [c, row[i]]))).toEqual({
      ts: ARRIVAL,
      job_type: 'config_sync',
      job_id: 'j-1',
      status: 'success',
      duration_ms: 1500,
      device_id: 'd1',
      error_code: '',
      retry_count: 0,
      initiated_by: privacy.apply('initiated_by', 'alice'),
      metadata: {},
      stream_seq: 9,
    });
    expect(row[JOB_OUTCOMES.columns.indexOf('initiated_by')]).not.toBe('alice');
  });
});

describe('job simulator', () => {
  it('makes valid outcomes, the same for a seed, with a retrying type', () => {
    const a = new JobSimulator({ seed: 5, startMs: ARRIVAL - DAY, keys: 5 });
    const b = new JobSimulator({ seed: 5, startMs: ARRIVAL - DAY, keys: 5 });
    const events = Array.from({ length: 3000 }, () => a.next());
    expect(events.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => b.next()));
    for (const e of events) expect(decodeJobOutcome(bytes(e.body), e.key, ARRIVAL, WINDOW).ok).toBe(true);
    const retried = events.filter((e) => (e.body.retry_count as number) > 0);
    expect(retried.length).toBeGreaterThan(0);
    expect(new Set(retried.map((e) => e.key))).toContain('config_sync');
    const statuses = new Set(events.map((e) => e.body.status));
    expect([...statuses].sort()).toEqual(['cancelled', 'failure', 'success', 'timeout']);
  });
});
