import { describe, expect, it } from 'vitest';
import { processCpuSeconds, threadCpu } from './thread-cpu.js';

describe.runIf(process.platform === 'linux')('CPU from /proc', () => {
  it('reads a running process and says NaN for one that is not there', () => {
    const spin = Date.now() + 50;
    while (Date.now() < spin);
    expect(processCpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(processCpuSeconds(2 ** 22 + 1)).toBeNaN();
    expect(processCpuSeconds(undefined)).toBeNaN();
  });

  it("splits this process's CPU into Node's threads and the rest", () => {
    const cpu = threadCpu()!;
    expect(cpu.nodeSeconds).toBeGreaterThan(0);
    expect(cpu.nodeSeconds + cpu.otherSeconds).toBeLessThanOrEqual(processCpuSeconds(process.pid) + 0.05);
  });
});
