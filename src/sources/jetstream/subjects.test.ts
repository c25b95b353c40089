import { describe, expect, it } from 'vitest';
import { consumerName, isUnpartitioned, partitionFilter, subjectTransform, unpartitionedScanFilter } from './subjects.js';

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

describe('unpartitioned subjects', () => {
  it('are the three-token ones a literal wildcard left untransformed', () => {
    expect(isUnpartitioned('telemetry.metrics.*')).toBe(true);
    expect(isUnpartitioned('telemetry.>.dev')).toBe(true);
    expect(isUnpartitioned('telemetry.metrics.3.dev')).toBe(false);
  });
  it('need the whole prefix to be delivered when one holds ">"', () => {
    expect(unpartitionedScanFilter({ prefix: 'telemetry' }, ['telemetry.metrics.*', 'telemetry.*.dev'])).toBe('telemetry.*.*');
    expect(unpartitionedScanFilter({ prefix: 'telemetry' }, ['telemetry.metrics.*', 'telemetry.metrics.>'])).toBe('telemetry.>');
  });
});
