import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds of this process's threads, split into Node's own (main thread, V8 GC helpers, libuv) and the rest (the embedded engine). */
export interface ThreadCpu {
  nodeSeconds: number;
  otherSeconds: number;
}

/** Thread names Node itself starts (Linux truncates names to 15 characters). */
const NODE_THREADS = /^(node|MainThread|V8 DefaultWorke|V8 Default|libuv-worker|node-worker|DelayedTaskSche|PlatformWorker)/;

/**
 * Per-thread CPU from /proc (Linux); undefined elsewhere. Measures what the worker itself costs
 * apart from the embedded ClickHouse engine's threads, which process.resourceUsage cannot tell apart.
 */
export function threadCpu(): ThreadCpu | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  let node = 0;
  let other = 0;
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const seconds = cpuSecondsOf(stat);
      if (NODE_THREADS.test(name) || task === String(process.pid)) node += seconds;
      else other += seconds;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return { nodeSeconds: node, otherSeconds: other };
}

/**
 * Resident memory backed by files (mapped code: Node's and the embedded engine's library), bytes,
 * from /proc (Linux); undefined elsewhere. Part of RSS, but shared and reclaimable by the kernel.
 */
export function residentFileBytes(): number | undefined {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('RssFile:'));
    return line === undefined ? undefined : Number(line.split(/\s+/)[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user and system) another process has used so far, from /proc (Linux); NaN elsewhere or once it is gone. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return cpuSecondsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** utime + stime of a /proc stat line, in seconds (USER_HZ is 100 on Linux). */
function cpuSecondsOf(stat: string): number {
  // comm is in parentheses and may hold spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
