import { Command } from 'commander';
import type { SiftConfig } from '../config/load.js';
import { connectNats } from '../sources/jetstream/connect.js';
import { createClickHouse, type ClickHouseClient } from '../sinks/clickhouse/client.js';
import { breaches, samplesOf } from '../alerts/evaluate.js';
import { explain, query } from '../alerts/engine.js';
import { loadRules, type AlertRule } from '../alerts/rules.js';
import { rulesPath } from '../alerts/start.js';
import { AlertStateStore } from '../alerts/state-store.js';
import { out, setup, unwrap } from './setup.js';

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
const forText = (rule: AlertRule) => (rule.forMs ? `fires after holding ${rule.forMs / 1000} s` : 'fires at once');

/** One line per breaching subject of every rule, and a line for each rule with none. */
export async function checkRules(client: ClickHouseClient, database: string, rules: AlertRule[]): Promise<string[]> {
  const lines: string[] = [];
  for (const rule of rules) {
    await explain(client, database, rule);
    const samples = samplesOf(await query(client, database, rule.query));
    const hits = samples.filter((s) => breaches(rule, s.value));
    for (const s of hits)
      lines.push(
        `would fire  ${rule.name} (${rule.severity}) ${labelText(s.labels)} value=${s.value} ${rule.threshold.op} ${rule.threshold.value}; ${forText(rule)}`,
      );
    if (hits.length === 0)
      lines.push(`ok          ${rule.name}: ${samples.length} subject(s), none ${rule.threshold.op} ${rule.threshold.value}`);
  }
  return lines;
}

/** Every alert held in the state bucket, one line each. */
export async function listAlerts(config: SiftConfig): Promise<string[]> {
  const nc = await connectNats(config.nats, 'sift-alerts');
  try {
    const store = await AlertStateStore.open(nc, config.alerts.kvBucket, config.nats.replicas);
    const lines: string[] = [];
    for (const { record } of (await store.load()).values()) {
      const a = record.alert;
      if (!a) continue;
      const since = new Date(a.state === 'firing' ? a.startsAt! : a.state === 'resolved' ? a.endsAt! : a.activeAt).toISOString();
      lines.push(
        `${a.state.padEnd(9)} ${a.rule} ${labelText(a.labels)} value=${a.value} since ${since}${record.outbox.length ? ` (${record.outbox.length} event(s) not yet delivered)` : ''}`,
      );
    }
    return lines.length ? lines.sort() : ['no alert is pending, firing or recently resolved'];
  } finally {
    await nc.close();
  }
}

export function alertsCommand(): Command {
  const alerts = new Command('alerts').summary("check the alert rules against ClickHouse, or list the alerts' current state").description(
    unwrap(`Alert rules (ALERT_RULES_FILE, default config/alerts.yaml) are evaluated by the leader among
the live workers when ALERTS_ENABLED=true; see docs/alerts.md.`),
  );
  alerts
    .command('check')
    .description('validate the rules, run each query once and print what would fire (nothing is published)')
    .option('--config <file>', 'an extra JSON or YAML config file (wins over config/, loses to the environment)')
    .action(async (options: { config?: string }) => {
      const { config } = setup(options, true);
      const rules = loadRules(rulesPath(config.alerts.rulesFile));
      const client = await createClickHouse(config.clickhouse, { useDatabase: true });
      try {
        for (const line of await checkRules(client, config.clickhouse.database, rules)) out(line);
      } finally {
        await client.close();
      }
    });
  alerts
    .command('list')
    .description('print every pending, firing and recently resolved alert from the state bucket (ALERT_KV_BUCKET)')
    .option('--config <file>', 'an extra JSON or YAML config file (wins over config/, loses to the environment)')
    .action(async (options: { config?: string }) => {
      const { config } = setup(options, true);
      for (const line of await listAlerts(config)) out(line);
    });
  return alerts;
}
