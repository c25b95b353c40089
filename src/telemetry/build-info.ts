import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

let known: { version: string; gitSha: string } | undefined;

/** Version from package.json; git sha from SIFT_GIT_SHA (set by image builds), else the checkout (asked once a process). */
export function buildInfo(): { version: string; gitSha: string } {
  return (known ??= readBuildInfo());
}

function readBuildInfo(): { version: string; gitSha: string } {
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  let gitSha = process.env.SIFT_GIT_SHA ?? '';
  if (!gitSha) {
    try {
      gitSha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        cwd: packageRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      gitSha = 'unknown';
    }
  }
  return { version, gitSha };
}
