import { describe, expect, it } from 'vitest';
import { MIN_SERVER_VERSION, missingFeatures, parseVersion, tooOldMessage } from './server-version.js';

describe('the ClickHouse server version Sift needs', () => {
  it('reads major and minor of the forms servers report', () => {
    expect(parseVersion('18.16.1')).toEqual([18, 16]);
    expect(parseVersion('24.8.4.13')).toEqual([24, 8]);
    expect(parseVersion('25.3.2.39-lts\n')).toEqual([25, 3]);
    expect(parseVersion('unknown')).toBeUndefined();
  });

  it('refuses Debian 18.16 in one line naming both versions and what it lacks', () => {
    const line = tooOldMessage('ClickHouse at http://127.0.0.1:8123', '18.16.1')!;
    expect(line).not.toContain('\n');
    expect(line).toMatch(
      /^ClickHouse at http:\/\/127\.0\.0\.1:8123 is version 18\.16\.1; Sift needs 24\.8 or newer\. It lacks what these releases added: 19\.11 query parameters/,
    );
    expect(line).toContain('insert_deduplication_token');
    expect(line).toContain('; 23.1 parameterized views;');
  });

  it('names only what a newer old server lacks', () => {
    expect(missingFeatures('23.3.1')).toEqual([
      "23.7 dateDiff('millisecond', …)",
      "24.8 the oldest server Sift's ClickHouse client supports (clickhouse-js 1.12 and later)",
    ]);
    expect(missingFeatures('9.1.0').length).toBe(7);
  });

  it('accepts the minimum and anything newer, and does not refuse a version it cannot read', () => {
    expect(MIN_SERVER_VERSION).toBe('24.8');
    for (const v of ['24.8.1.1', '24.10.2', '25.3.1.2', '26.1.1', '100.0']) expect(tooOldMessage('x', v)).toBeUndefined();
    expect(tooOldMessage('x', 'custom-build')).toBeUndefined();
  });
});
