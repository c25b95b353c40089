import { describe, expect, it } from 'vitest';
import { init } from './index.js';

const options = { endpoint: 'https://sift.example.com', key: 'k' };

describe('init', () => {
  // The app is every event's subject key: an app the gateway would refuse fails at init, naming why.
  it.each([
    ['', 'subject key is empty'],
    ['shop.web', 'holds a dot at character 4'],
    ['shop web', 'holds whitespace at character 4'],
    ['shop*', 'the wildcard *'],
    ['shop\u0007', 'control character U+0007'],
    ['shop\ufffd', 'not valid UTF-8'],
    ['s'.repeat(257), 'at most 256'],
  ])('refuses app %j', (app, problem) => {
    expect(() => init({ ...options, app })).toThrow(/^sift: app: /);
    expect(() => init({ ...options, app })).toThrow(problem);
  });

  it('refuses an app that is not a string', () => {
    expect(() => init({ ...options, app: 7 as unknown as string })).toThrow('sift: app: must be a string, got number');
  });
});
