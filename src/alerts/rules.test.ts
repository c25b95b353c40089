import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { AlertRulesError, loadRules, parseRules } from './rules.js';

const one = (rule: string) => `rules:\n  - ${rule.trim().split('\n').join('\n    ')}\n`;
const errorOf = (text: string): string => {
  try {
    parseRules(text, 'alerts.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(AlertRulesError);
    return (error as Error).message;
  }
  throw new Error('no error');
};

describe('alert rules', () => {
  it('expands the short form into SQL and reads durations', () => {
    const [rule] = parseRules(
      one(`
name: high_error_rate
severity: critical
view: api_requests_hourly_v
value: sum(errors_5xx) / sum(requests)
where: service = 'shop'
group_by: [service, endpoint]
window: 1h
above: 0.05
for: 600ms
every: 200ms`),
      'a.yaml',
    );
    expect(rule).toMatchObject({ name: 'high_error_rate', threshold: { op: 'above', value: 0.05 }, forMs: 600, everyMs: 200 });
    expect(rule!.query).toBe(
      "SELECT service, endpoint, sum(errors_5xx) / sum(requests) AS value FROM api_requests_hourly_v WHERE bucket >= now() - INTERVAL 3600 SECOND AND (service = 'shop') GROUP BY service, endpoint",
    );
  });

  it('accepts JSON too', () => {
    expect(
      parseRules(JSON.stringify({ rules: [{ name: 'x', severity: 'info', query: 'SELECT 1 AS value;', below: 1 }] }), 'a.json')[0],
    ).toMatchObject({ query: 'SELECT 1 AS value', everyMs: 60_000, forMs: 0 });
  });

  it('gives one line naming the file, the rule and the field for each mistake', () => {
    const base = 'name: r1\nseverity: warning\nquery: SELECT 1 AS value\n';
    const cases: Array<[string, RegExp]> = [
      [one(base + 'above: 1\nfor: soon'), /^alerts\.yaml: rule "r1": for: must be a duration like 600ms, 30s, 5m or 1h; got "soon"$/],
      [one(base + 'above: "high"'), /^alerts\.yaml: rule "r1": above: must be a number, got "high"$/],
      [one(base), /^alerts\.yaml: rule "r1": above: give exactly one threshold: above or below$/],
      [one(base + 'above: 1\nbelow: 0'), /rule "r1": above: give exactly one threshold/],
      [one(base + 'above: 1\nevery: 0s'), /rule "r1": every: must be a positive duration/],
      [one(base + 'above: 1\nthreshold: 3'), /rule "r1": threshold: unknown field/],
      [one(base + 'above: 1\nview: v'), /rule "r1": view: give either query or the short form/],
      [one('name: r2\nseverity: info\nview: v\nabove: 1'), /rule "r2": value: required with view/],
      [one('name: r3\nseverity: info\nview: v\nvalue: max(x)\nwindow: a while\nabove: 1'), /rule "r3": window: must be a duration/],
      [one('name: Bad Name\nseverity: info\nquery: q\nabove: 1'), /^alerts\.yaml: rule 1: name: must be lower-case/],
      [one('name: r4\nquery: q\nabove: 1'), /rule "r4": severity: required/],
      [one(base + 'above: 1') + one(base + 'above: 2').replace('rules:\n', ''), /rule "r1": name: used by an earlier rule too/],
      ['rules: [', /^alerts\.yaml: not valid YAML or JSON/],
      ['alerts: []', /^alerts\.yaml: expected a top-level "rules:" list$/],
    ];
    for (const [text, expected] of cases) {
      const message = errorOf(text);
      expect(message, text).toMatch(expected);
      expect(message).not.toContain('\n');
    }
  });

  it("ships config/alerts.yaml with the issue's rules, all valid", () => {
    const rules = loadRules(join(packageRoot, 'config', 'alerts.yaml'));
    expect(rules.map((r) => r.name)).toEqual([
      'high_error_rate',
      'slow_response_time',
      'job_success_rate_low',
      'error_storm',
      'instance_silent',
      'device_temperature_high',
    ]);
    expect(rules.find((r) => r.name === 'high_error_rate')).toMatchObject({
      threshold: { op: 'above', value: 0.05 },
      severity: 'critical',
    });
    expect(rules.find((r) => r.name === 'slow_response_time')?.threshold.value).toBe(2000);
  });
});
