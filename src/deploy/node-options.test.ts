import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { WORKER_NODE_OPTIONS } from './node-options.js';

const read = (path: string) => readFileSync(join(packageRoot, path), 'utf8');
const nodeOptions = WORKER_NODE_OPTIONS.join(' ');

describe('the worker heap limit', () => {
  it('is set as NODE_OPTIONS in the image and the systemd unit, as the bench and chaos runs pass it', () => {
    expect(read('deploy/docker/Dockerfile')).toMatch(new RegExp(`^ENV NODE_OPTIONS="${nodeOptions}"$`, 'm'));
    expect(read('deploy/systemd/sift-worker.service')).toMatch(new RegExp(`^Environment=NODE_OPTIONS="${nodeOptions}"$`, 'm'));
  });
});
