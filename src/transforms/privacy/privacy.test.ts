import { describe, expect, it } from 'vitest';
import { checkPrivacyRules, fieldPrivacy } from './privacy.js';

describe('field privacy', () => {
  const rules = { api: { hash: ['client_ip'], drop: ['user_agent'] } };

  it('hashes with the salt, drops, and leaves other fields and kinds alone', () => {
    const api = fieldPrivacy(rules, 'api', 'pepper');
    const hashed = api.apply('client_ip', '10.0.0.1');
    expect(hashed).toMatch(/^[0-9a-f]{64}$/);
    expect(api.apply('client_ip', '10.0.0.1')).toBe(hashed);
    expect(fieldPrivacy(rules, 'api', 'salt').apply('client_ip', '10.0.0.1')).not.toBe(hashed);
    expect(api.apply('user_agent', 'curl')).toBeUndefined();
    expect(api.apply('endpoint', '/x')).toBe('/x');
    expect(api.none).toBe(false);
    expect(fieldPrivacy(rules, 'job', 'pepper').none).toBe(true);
  });

  it('names a wrong kind, a wrong field, or a missing salt', () => {
    const fields = new Map([['api', ['client_ip', 'user_agent', 'user_id']]]);
    expect(checkPrivacyRules(rules, fields, 's')).toBeUndefined();
    expect(checkPrivacyRules({ apx: { drop: ['x'] } }, fields, 's')).toContain('kind "apx"');
    expect(checkPrivacyRules({ api: { hash: ['ip'] } }, fields, 's')).toContain('field "ip" of kind "api"');
    expect(checkPrivacyRules(rules, fields, '')).toContain('PRIVACY_SALT');
  });
});
