import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpoolError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a spool directory for this process (two writers would interleave lines and replay each
 * other's events); a lock left by a process that died is taken over. Returns the release.
 */
export function lockSpool(dir: string): () => void {
  const path = join(dir, 'lock');
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(path, 'utf8'));
    if (holder !== process.pid && Number.isSafeInteger(holder) && holder > 0 && alive(holder)) {
      throw new SpoolError(`spool directory ${dir} is in use by process ${holder}; give each client its own spoolDir`);
    }
    writeFileSync(path, String(process.pid));
  }
  return () => {
    try {
      if (Number(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}
