import { describe, expect, it } from 'vitest';
import { chooseLogFormat } from './logger.js';

describe('how log lines look (LOG_FORMAT)', () => {
  it('auto: readable lines for a person at a terminal, JSON in pipes and files', () => {
    expect(chooseLogFormat('auto', 'command', true)).toBe('pretty');
    expect(chooseLogFormat('auto', 'command', false)).toBe('json');
  });

  it('auto: a worker logs JSON even on a terminal (its lines go to a collector)', () => {
    expect(chooseLogFormat('auto', 'worker', true)).toBe('json');
    expect(chooseLogFormat('auto', 'worker', false)).toBe('json');
  });

  it('json or pretty is what the operator asked for, for every command', () => {
    expect(chooseLogFormat('pretty', 'worker', false)).toBe('pretty');
    expect(chooseLogFormat('json', 'command', true)).toBe('json');
  });
});
