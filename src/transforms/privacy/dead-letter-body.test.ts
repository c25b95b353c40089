import { describe, expect, it } from 'vitest';
import { bodyPrivacy } from './dead-letter-body.js';
import { fieldPrivacy } from './privacy.js';

const rules = { api: { hash: ['client_ip'], drop: ['user_agent'] }, heartbeat: { drop: ['hostname'] } };
const privacy = bodyPrivacy(rules, 'pepper');
const redact = privacy.body;
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

describe('privacy of a dead letter body', () => {
  it('hashes and drops the fields as ClickHouse would, and keeps the rest', () => {
    const out = redact('api', bytes({ status: 'teapot', client_ip: '10.0.0.1', user_agent: 'curl', endpoint: '/x' }));
    expect(out.outcome).toBe('rewritten');
    expect(JSON.parse(text(out.data))).toEqual({
      status: 'teapot',
      client_ip: fieldPrivacy(rules, 'api', 'pepper').apply('client_ip', '10.0.0.1'),
      endpoint: '/x',
    });
    expect(text(out.data)).not.toContain('10.0.0.1');
  });

  it('finds a field anywhere in a malformed body, whatever its value', () => {
    const out = redact('api', bytes({ nested: [{ client_ip: { v4: '10.0.0.1' } }], user_agent: 7 }));
    expect(out.outcome).toBe('rewritten');
    expect(text(out.data)).not.toContain('10.0.0.1');
    expect(text(out.data)).not.toContain('user_agent');
    expect(JSON.parse(text(out.data)).nested[0].client_ip).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(text(redact('heartbeat', bytes({ system: { hostname: 'db-7' } })).data))).toEqual({ system: {} });
  });

  it('leaves the body alone when no rule applies', () => {
    const body = bytes({ status: 'teapot' });
    expect(redact('api', body)).toEqual({ data: body, outcome: 'none' });
    expect(redact('metrics', bytes('not json'))).toEqual({ data: bytes('not json'), outcome: 'none' });
  });

  it('withholds a body of a kind with rules that does not parse', () => {
    expect(redact('api', bytes('{"client_ip":"10.0.0.1", broken'))).toEqual({ data: new Uint8Array(0), outcome: 'withheld' });
  });

  it('handles a duplicate key and nesting deeper than the call stack', () => {
    const dup = redact('api', bytes('{"client_ip":"10.0.0.1","client_ip":"10.0.0.2"}'));
    expect(text(dup.data)).not.toMatch(/10\.0\.0\.[12]/);
    const deep = `${'['.repeat(200_000)}${JSON.stringify({ client_ip: '10.0.0.1' })}${']'.repeat(200_000)}`;
    const out = redact('api', bytes(deep));
    expect(text(out.data)).not.toContain('10.0.0.1');
  });

  it('cuts a detail that could quote a private value after its path', () => {
    expect(privacy.detail('api', '/client_ip: "x" is not one of "a", "b"')).toBe(
      '/client_ip: (the rest is withheld: PRIVACY hashes or drops this field)',
    );
    expect(privacy.detail('heartbeat', '/system/hostname: Expected string')).toBe(
      '/system/hostname: (the rest is withheld: PRIVACY hashes or drops this field)',
    );
    expect(privacy.detail('api', '/status: Expected string')).toBe('/status: Expected string');
    expect(privacy.detail('metrics', '/client_ip: x')).toBe('/client_ip: x');
  });
});
