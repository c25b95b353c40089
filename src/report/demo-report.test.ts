import { describe, expect, it } from 'vitest';
import { bandHalfWidth, niceTicks, renderDemoReport } from './demo-report.js';

const rule = { relative: 0.05, absolute: undefined, zeroFloor: 0.01 };

const summary = { received: 10, storedMessages: 3, storedRows: 3, filteredOut: 7, deadLettered: 0, seconds: 1 };

describe('demo report', () => {
  it('draws a point for every received value and a marker for every stored one', () => {
    const html = renderDemoReport(
      [
        {
          deviceId: 'dev<1>',
          metric: 'temp',
          received: [
            [0, 1],
            [1000, 2],
            [2000, 3],
          ],
          stored: [
            [0, 1, 'first_contact', false],
            [2000, 3, 'change', true],
          ],
          rule,
        },
      ],
      summary,
    );
    expect(html.match(/<circle class="received"/g)).toHaveLength(3);
    expect(html.match(/<circle class="stored"/g)).toHaveLength(2);
    expect(html).toContain('dev&#60;1&#62;');
    expect(html).not.toMatch(/<(script|link)\b|src=|href=/); // self-contained
  });

  it('handles a flat series without dividing by zero', () => {
    const html = renderDemoReport(
      [
        {
          deviceId: 'd',
          metric: 'm',
          received: [
            [0, 5],
            [1000, 5],
          ],
          stored: [[0, 5, 'first_contact', false]],
          rule,
        },
      ],
      summary,
    );
    expect(html).not.toMatch(/NaN|Infinity/);
  });

  it('marks as a change only the metric that triggered; legend only for markers drawn; band, settings, dead letters, rollup', () => {
    const html = renderDemoReport(
      [
        {
          deviceId: 'd',
          metric: 'm',
          received: [
            [0, 10],
            [1000, 10],
            [2000, 10],
          ],
          stored: [
            [0, 10, 'first_contact', false],
            [2000, 10, 'change', false],
          ],
          rule,
        },
      ],
      { ...summary, deadLettered: 2, deadLetteredByReason: { not_json: 2 } },
      { store: 'whole', snapshotIntervalS: 300, changeThreshold: 0.05, zeroFloor: 0.01, storePrevious: false },
      [{ hour: 0, samples: 10, rows: 3 }],
    );
    expect(html).toContain('data-marker="along"');
    expect(html).not.toContain('data-marker="change"');
    expect(html).not.toMatch(/data-marker="(snapshot|previous)"/);
    expect(html.match(/<rect class="band"/g)).toHaveLength(2);
    expect(html).toContain('change threshold <b>5 %</b>');
    expect(html).toMatch(/<table class="dead-letters"><tr><td>not_json<\/td><td>2<\/td>/);
    expect(html.match(/<tr class="rollup-hour">/g)).toHaveLength(1);
  });

  it('ticks fall on round values and the band follows the rule', () => {
    expect(niceTicks(0.3, 9.7, 5)).toEqual([2, 4, 6, 8]);
    expect(bandHalfWidth(200, rule)).toBe(10);
    expect(bandHalfWidth(0, rule)).toBe(0.01);
    expect(bandHalfWidth(5, { ...rule, absolute: 2 })).toBe(2);
  });
});
