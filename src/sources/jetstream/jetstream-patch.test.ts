import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../package-root.js';

// patches/@nats-io+jetstream+<version>.patch stops the client decoding the Nats-Pin-Id header of
// every pinned message (docs/upstream/nats-js-pin-id-decode.md), and makes its check after each
// message read the consume's pull bounds as they are now (docs/upstream/nats-js-consume-both-bounds.md).
// These fail when an upgrade moves the patched code, so the patch is redone or dropped rather
// than silently not applied.
const require = createRequire(import.meta.url);
const libDir = dirname(require.resolve('@nats-io/jetstream'));
const source = readFileSync(join(libDir, 'consumer.js'), 'utf8');
const installedVersion = (JSON.parse(readFileSync(join(libDir, '..', 'package.json'), 'utf8')) as { version: string }).version;

describe('the @nats-io/jetstream patch', () => {
  it('is made for the installed client version', () => {
    const patches = readdirSync(join(packageRoot, 'patches')).filter((f) => f.startsWith('@nats-io+jetstream+'));
    expect(patches).toEqual([`@nats-io+jetstream+${installedVersion}.patch`]);
  });

  it('is applied: the pull consumer reads the pin header only while it holds no pin id', () => {
    const guard = source.indexOf('if (this.isPinned && this.natsPinId === "") {');
    const read = source.indexOf('m?.headers?.get("Nats-Pin-Id")');
    expect(guard).toBeGreaterThan(0);
    expect(read).toBeGreaterThan(guard);
    // The header read sits directly inside the guard, with nothing but the declaration between.
    expect(source.slice(guard, read)).toMatch(/^if \(this\.isPinned && this\.natsPinId === ""\) \{\s*const pinID = $/);
    // A 423 (unpinned) still clears the id, which is what lets a re-pin be seen.
    expect(source).toMatch(/case 423:[\s\S]{0,200}this\.natsPinId = "";/);
    expect(source.match(/Nats-Pin-Id/g)).toHaveLength(1);
  });

  it('holds a new pin id before it hands over the message that brought it (heldPinId reads it there)', () => {
    const set = source.indexOf('this.natsPinId = pinID;');
    const handOver = source.indexOf('this._push(m);', set);
    expect(set).toBeGreaterThan(0);
    expect(handOver).toBeGreaterThan(set);
    // Nothing between them hands the message over by another path (only ordered consumers may drop it there).
    expect(source.slice(set, handOver)).not.toMatch(/_push|callback/);
  });

  it("is applied: the consume's refill check reads the bounds as they are now (withFixedSizePulls sets them after the start)", () => {
    const check = source.indexOf('if (this.isConsume) {');
    const pull = source.indexOf('this.pull(batch);', check);
    expect(check).toBeGreaterThan(0);
    expect(pull).toBeGreaterThan(check);
    expect(source.slice(check, pull)).toMatch(
      /const \{ max_messages, max_bytes, threshold_messages, threshold_bytes \} = this\.opts;\s*if \(\(max_messages && this\.pending\.msgs <= threshold_messages\) \|\|/,
    );
  });
});
