import { describe, expect, it } from 'vitest';
import { parseStoredSubject } from './stored-subject.js';

describe('stored subject', () => {
  it('parses stored subjects and refuses other shapes', () => {
    expect(parseStoredSubject('telemetry.metrics.7.dev-1')).toEqual({ kind: 'metrics', partition: 7, key: 'dev-1' });
    expect(parseStoredSubject('telemetry.metrics.dev-1')).toBeUndefined();
    expect(parseStoredSubject('telemetry.metrics.x.dev-1')).toBeUndefined();
    expect(parseStoredSubject('telemetry.metrics.1.a.b')).toBeUndefined();
  });
});
