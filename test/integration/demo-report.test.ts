import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { chromiumFor, launchChromium } from '../helpers/chromium.js';
import { siftBin } from '../helpers/cli.js';
import { kinds } from '../../src/kinds/registry.js';

const hasChromium = chromiumFor("the report's browser test");

describe.skipIf(process.env.NATS_URL !== undefined)('sift demo, as a newcomer runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sift-demo-'));
  const report = join(dir, 'demo-report.html');
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs end to end, prints a summary and writes the report', async () => {
    const run = spawn(process.execPath, [siftBin, 'demo', '--devices', '50', '--rounds', '60'], {
      cwd: dir,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (d) => (stdout += d));
    run.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => run.on('close', resolve));
    expect(code, stderr).toBe(0);
    // The fleet (50 devices × 60 readings), 1,500 events of every other kind that has a simulator, 5 bad messages.
    const others = kinds.filter((k) => k.simulator).length;
    expect(stdout).toMatch(new RegExp(`received\\s+${50 * 60 + 1_500 * others + 5} messages`));
    expect(stdout).toMatch(/dead-lettered\s+5 messages/);
    expect(existsSync(report)).toBe(true);
  });

  it.skipIf(!hasChromium)('report opens in a browser, where every received and stored point is drawn', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`file://${report}`);
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const visible = (selector: string) =>
          [...svg.querySelectorAll(selector)].filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0;
          }).length;
        return {
          device: svg.getAttribute('data-device'),
          metric: svg.getAttribute('data-metric'),
          received: visible('circle.received'),
          stored: visible('circle.stored'),
          bands: visible('rect.band'),
          yTicks: visible('text.tick.y'),
          xTicks: visible('text.tick.x'),
          // A gridline's box is zero wide or zero high: count them.
          gridlines: svg.querySelectorAll('line.grid').length,
          markers: [...svg.querySelectorAll('circle.stored')].map((c) => c.getAttribute('data-marker')!),
        };
      }),
    );
    // Devices 7 and 42 of 50, two metrics each; every device sent 60 readings.
    expect(charts.map((c) => `${c.device}/${c.metric}`)).toEqual([
      'dev-00007/temperature',
      'dev-00007/cpu_pct',
      'dev-00042/temperature',
      'dev-00042/cpu_pct',
    ]);
    for (const chart of charts) {
      expect(chart.received).toBe(60);
      expect(chart.stored).toBeGreaterThanOrEqual(1); // at least the first contact
      expect(chart.stored).toBeLessThan(60);
      expect(chart.bands).toBeGreaterThanOrEqual(1);
      expect(chart.yTicks).toBeGreaterThanOrEqual(3);
      expect(chart.xTicks).toBeGreaterThanOrEqual(3);
      expect(chart.gridlines).toBe(chart.yTicks + chart.xTicks);
    }
    // Whole mode: rows stored because another metric changed are not drawn as changes.
    const drawn = new Set(charts.flatMap((c) => c.markers));
    expect(drawn.has('along')).toBe(true);
    // 3000 readings, 1,500 events of each of five other kinds, five bad messages.
    // The legend names exactly the markers drawn, besides the received points and the band.
    const legend = await page.$$eval('.legend span[data-marker]', (spans) => spans.map((s) => s.getAttribute('data-marker')));
    expect(new Set(legend)).toEqual(drawn);
    expect(await page.textContent('.settings')).toMatch(/store whole, change threshold \d+ % .* snapshot every \d+ s/);
    const dead = await page.$$eval('table.dead-letters tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(dead.reduce((n, [, count]) => n + Number(count), 0)).toBe(5);
    const hours = await page.$$eval('tr.rollup-hour', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(1, 3).map((td) => Number(td.textContent))),
    );
    expect(hours.length).toBeGreaterThanOrEqual(1);
    for (const [samples, rows] of hours) expect(rows).toBeLessThan(samples!);
    if (process.env.REPORT_SCREENSHOT) await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
  });
});
