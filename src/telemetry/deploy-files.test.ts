import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../package-root.js';
import { headingAnchors } from '../docs/markdown-links.js';
import { createMetrics } from './metrics.js';

const read = (path: string) => readFileSync(join(packageRoot, path), 'utf8');

/** Series names the worker exports, histograms with their _bucket, _sum and _count series. */
async function exported(): Promise<Set<string>> {
  const metrics = createMetrics({ version: 'test', gitSha: 'test' }, []);
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** Metric names a PromQL expression reads: identifiers of our families not followed by "(" (functions). */
function referenced(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '');
  return [...withoutLabels.matchAll(/\b((?:sift|nodejs|process)_[a-z0-9_]+)\b(?!\s*\()/g)].map((m) => m[1]!);
}

describe('deploy files', () => {
  it('alert rules parse and read only metrics the worker exports', async () => {
    const names = await exported();
    const rules = parse(read('deploy/prometheus/sift-alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['SiftWorkerDown', 'SiftLagGrowing', 'SiftDeadLetterRate', 'SiftInsertErrors']),
    );
    for (const rule of all) for (const name of referenced(rule.expr)) expect(names, `${rule.alert} reads ${name}`).toContain(name);
  });

  it('every alert has a runbook_url pointing to a runbook subsection of docs/operations.md, and the stall and absence alerts exist', () => {
    const rules = parse(read('deploy/prometheus/sift-alerts.yml')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }>;
    };
    const all = rules.groups.flatMap((g) => g.rules);
    const anchors = headingAnchors(read('docs/operations.md'));
    for (const rule of all) {
      const url = rule.annotations.runbook_url;
      expect(url, `${rule.alert} runbook_url`).toMatch(/^docs\/operations\.md#sift/);
      expect(anchors, `${rule.alert}: docs/operations.md has no heading for ${url}`).toContain(url!.split('#')[1]);
    }
    expect(all.find((r) => r.alert === 'SiftAcksStalled')?.expr).toContain('sift_seconds_since_last_ack');
    expect(all.find((r) => r.alert === 'SiftWorkersAbsent')?.expr).toBe('absent(up{job="sift"})');
  });

  it('promtool passes the rule unit tests (lag flat at 400 s fires the stall alert)', (context) => {
    if (spawnSync('promtool', ['--version']).status !== 0) {
      console.warn('promtool not installed (Debian: apt-get install prometheus): rule unit tests skipped');
      return context.skip();
    }
    const out = execFileSync('promtool', ['test', 'rules', 'sift-alerts.test.yml'], {
      cwd: join(packageRoot, 'deploy/prometheus'),
      encoding: 'utf8',
    });
    expect(out).toContain('SUCCESS');
  });

  it('the scrape config parses and loads the alert rules', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ metrics_path: string }>;
    };
    expect(config.rule_files).toContain('sift-alerts.yml');
    expect(config.scrape_configs[0]!.metrics_path).toBe('/metrics');
  });

  it('the Grafana dashboard parses and reads only metrics the worker exports', async () => {
    const names = await exported();
    const dashboard = JSON.parse(read('deploy/grafana/sift-dashboard.json')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr] as const));
    expect(exprs.length).toBeGreaterThan(10);
    for (const [title, expr] of exprs) for (const name of referenced(expr)) expect(names, `panel "${title}" reads ${name}`).toContain(name);
  });

  it('every dashboard query is scoped to the worker variable, and no panel mixes units', () => {
    const dashboard = JSON.parse(read('deploy/grafana/sift-dashboard.json')) as {
      templating: { list: Array<{ name: string; query?: { query: string } }> };
      panels: Array<{ title: string; fieldConfig: { defaults: { unit: string } }; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.templating.list.find((v) => v.name === 'instance')?.query?.query).toBe('label_values(sift_build_info, instance)');
    const unitOf = (name: string) => (/_seconds(_bucket|_sum|_count)?$/.test(name) ? 's' : /_bytes/.test(name) ? 'bytes' : 'count');
    for (const panel of dashboard.panels) {
      const units = new Set<string>();
      for (const { expr } of panel.targets) {
        const selectors = [...expr.matchAll(/\b((?:sift|nodejs|process)_[a-z0-9_]+)\b(\{[^}]*\})?(?!\s*\()/g)];
        for (const [, name, labels] of selectors) {
          expect(labels, `panel "${panel.title}": ${name} is not scoped to $instance`).toContain('instance=~"$instance"');
          units.add(unitOf(name!));
        }
      }
      expect([...units], `panel "${panel.title}" mixes units`).toHaveLength(1);
      const [unit] = units;
      if (unit !== 'count') expect(panel.fieldConfig.defaults.unit, panel.title).toBe(unit);
    }
  });

  it('the check catches a metric that does not exist', async () => {
    const names = await exported();
    expect(referenced('rate(sift_made_up_total[5m])').every((n) => names.has(n))).toBe(false);
  });
});
