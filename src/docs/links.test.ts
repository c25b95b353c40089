import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { brokenLinks, headingAnchors, markdownFiles, markdownLinks } from './markdown-links.js';

describe('links in the documentation', () => {
  it('every relative link of the README and docs/ leads to a file, every #anchor to a heading, and every code fence is closed', () => {
    const files = markdownFiles(packageRoot);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/operations.md', 'packages/client/README.md']));
    expect(brokenLinks(packageRoot, files)).toEqual([]);
  });

  it('names a missing file, a missing heading, a link out of the repository and an unclosed fence, and ignores code and web addresses', () => {
    const root = mkdtempSync(join(tmpdir(), 'sift-links-'));
    try {
      mkdirSync(join(root, 'docs'));
      writeFileSync(join(root, 'docs', 'guide.md'), '# Guide\n\n## What `sift query` runs\n\n## Notes\n\n## Notes\n');
      writeFileSync(
        join(root, 'README.md'),
        [
          '# Sift',
          '[ok](docs/guide.md#what-sift-query-runs) [repeat](docs/guide.md#notes-1) [self](#sift) [web](https://example.com/x.md)',
          '[gone](docs/missing.md)',
          '[no heading](docs/guide.md#nowhere)',
          '[out](../elsewhere.md)',
          '`[in code](docs/missing.md)`',
          '```',
          '[in a fence](docs/missing.md)',
          '```',
        ].join('\n'),
      );
      writeFileSync(join(root, 'docs', 'open.md'), '# Open\n\n```sh\nnpm test\n');
      expect(brokenLinks(root, markdownFiles(root))).toEqual([
        'README.md:3: docs/missing.md: no such file',
        'README.md:4: docs/guide.md#nowhere: no heading with that anchor',
        'README.md:5: ../elsewhere.md leads out of the repository',
        'docs/open.md:3: a code fence is never closed',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads anchors the way GitHub makes them', () => {
    const anchors = headingAnchors(
      '# Sift\n## Production: a NATS cluster and a ClickHouse server\n### Device states (`state`)\n#### SiftWorkerDown\n```sh\n# not a heading\n```\n<a id="kept"></a>',
    );
    expect([...anchors]).toEqual([
      'sift',
      'production-a-nats-cluster-and-a-clickhouse-server',
      'device-states-state',
      'siftworkerdown',
      'kept',
    ]);
    expect(markdownLinks('see [`schemas/x.json`](../schemas/x.json "title")').map((l) => l.target)).toEqual(['../schemas/x.json']);
  });
});
