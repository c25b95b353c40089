import { describe, expect, it } from 'vitest';
import { consumerName, partitionFilter, subjectTransform } from './subjects.js';

describe('subjects', () => {
  it('transforms <prefix>.<kind>.<key> into a partitioned subject', () => {
    expect(subjectTransform({ prefix: 'telemetry', partitions: 16 })).toEqual({
      src: 'telemetry.*.*',
      dest: 'telemetry.{{wildcard(1)}}.{{partition(16,2)}}.{{wildcard(2)}}',
    });
    expect(partitionFilter({ prefix: 'telemetry', partitions: 16 }, 3)).toBe('telemetry.*.3.*');
  });

  it('names consumers so they sort by partition', () => {
    expect(consumerName('sift', 7)).toBe('sift-p007');
  });
});
