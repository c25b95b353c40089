import { describe, expect, it } from 'vitest';
import { renderDemoReport } from './demo-report.js';

const summary = { received: 10, storedMessages: 3, storedRows: 3, filteredOut: 7, deadLettered: 0, seconds: 1 };

describe('demo report', () => {
  it('draws a point for every received value and a marker for every stored one', () => {
    const html = renderDemoReport(
      [{ deviceId: 'dev<1>', metric: 'temp', received: [[0, 1], [1000, 2], [2000, 3]], stored: [[0, 1, 'first_contact'], [2000, 3, 'change']] }],
      summary,
    );
    expect(html.match(/<circle class="received"/g)).toHaveLength(3);
    expect(html.match(/<circle class="stored"/g)).toHaveLength(2);
    expect(html).toContain('dev&#60;1&#62;');
    expect(html).not.toMatch(/<(script|link)\b|src=|href=/); // self-contained
  });

  it('handles a flat series without dividing by zero', () => {
    const html = renderDemoReport([{ deviceId: 'd', metric: 'm', received: [[0, 5], [1000, 5]], stored: [[0, 5, 'first_contact']] }], summary);
    expect(html).not.toMatch(/NaN|Infinity/);
  });
});
