import type { ChangeRule } from '../transforms/device-filter/rules.js';

/** One chart: every value a device sent for one metric, and the values the filter stored. */
export interface ReportSeries {
  deviceId: string;
  metric: string;
  received: Array<[ts: number, value: number]>;
  /** `trigger`: this metric's change caused the store (false for metrics stored along in whole mode). */
  stored: Array<[ts: number, value: number, reason: string, trigger: boolean]>;
  /** The change rule of this metric: the band around the reference value. */
  rule: ChangeRule;
}

export interface ReportSummary {
  received: number;
  storedMessages: number;
  storedRows: number;
  filteredOut: number;
  deadLettered: number;
  deadLetteredByReason?: Record<string, number>;
  seconds: number;
}

/** The filter settings the run used, printed so the picture can be read. */
export interface ReportSettings {
  store: string;
  snapshotIntervalS: number;
  changeThreshold: number;
  zeroFloor: number;
  storePrevious: boolean;
}

/** One hour of the rollups: values received (every one counted) and rows stored. */
export interface RollupHour {
  hour: number;
  samples: number;
  rows: number;
}

/** Marker kinds: store reasons, and a whole-mode change row of a metric that did not trigger it. */
const MARKERS: Record<string, { colour: string; label: string }> = {
  first_contact: { colour: '#2563eb', label: 'first contact' },
  change: { colour: '#dc2626', label: 'change (this metric triggered)' },
  along: { colour: '#f59e0b', label: 'stored along (another metric changed)' },
  snapshot: { colour: '#16a34a', label: 'snapshot' },
  previous: { colour: '#9333ea', label: 'previous' },
};

const markerOf = (reason: string, trigger: boolean): string => (reason === 'change' && !trigger ? 'along' : reason);
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (n: number) => (Math.abs(n) >= 1000 ? n.toFixed(0) : Number(n.toPrecision(4)).toString());
const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);

const WIDTH = 760;
const HEIGHT = 240;
const PAD = { left: 64, right: 16, top: 16, bottom: 34 };

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(lo) || 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  // The round step whose tick count comes closest to the one asked for.
  const step = [0.5, 1, 2, 5, 10]
    .map((m) => m * power)
    .reduce((best, s) => (Math.abs(span / s - count) < Math.abs(span / best - count) ? s : best));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Half-width of the "unchanged" band around a reference value under a rule. */
export function bandHalfWidth(reference: number, rule: ChangeRule): number {
  if (rule.absolute !== undefined) return rule.absolute;
  return reference === 0 ? rule.zeroFloor : Math.abs(reference) * rule.relative;
}

function chart(series: ReportSeries): string {
  const refs = series.stored.filter(([, , reason]) => reason !== 'previous');
  const band = refs.map(([t, v], i) => ({
    from: t,
    to: refs[i + 1]?.[0],
    lo: v - bandHalfWidth(v, series.rule),
    hi: v + bandHalfWidth(v, series.rule),
  }));
  const all = [...series.received, ...series.stored.map(([t, v]) => [t, v] as [number, number])];
  if (all.length === 0) return '<p>No values.</p>';
  const ts = all.map(([t]) => t);
  const vs = [...all.map(([, v]) => v), ...band.flatMap((b) => [b.lo, b.hi])];
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  let [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  const margin = (v1 - v0) * 0.05 || Math.abs(v0) * 0.05 || 1;
  v0 -= margin;
  v1 += margin;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - v0) / (v1 - v0)) * (HEIGHT - PAD.top - PAD.bottom);
  const bands = band
    .map((b) => {
      const [xa, xb] = [x(b.from), x(b.to ?? t1)];
      return `<rect class="band" x="${xa.toFixed(1)}" y="${y(b.hi).toFixed(1)}" width="${Math.max(1, xb - xa).toFixed(1)}" height="${Math.max(0.5, y(b.lo) - y(b.hi)).toFixed(1)}"><title>unchanged band ${fmt(b.lo)} to ${fmt(b.hi)}</title></rect>`;
    })
    .join('');
  const yTicks = niceTicks(v0, v1, 5).filter((v) => v >= v0 && v <= v1);
  const tTicks = niceTicks(t0 / 60_000, t1 / 60_000, 6)
    .map((m) => m * 60_000)
    .filter((t) => t >= t0 && t <= t1);
  const grid =
    yTicks
      .map(
        (v) =>
          `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="tick y" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`,
      )
      .join('') +
    tTicks
      .map(
        (t) =>
          `<line class="grid" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}"/><text class="tick x" x="${x(t).toFixed(1)}" y="${HEIGHT - PAD.bottom + 14}" text-anchor="middle">${time(t)}</text>`,
      )
      .join('');
  const axes =
    `<line class="axis" x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}"/>` +
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}"/>` +
    `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 4}" text-anchor="end">event time (UTC)</text>`;
  const line = series.received.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const received = series.received
    .map(
      ([t, v]) =>
        `<circle class="received" cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="1.6"><title>${time(t)} ${fmt(v)} received</title></circle>`,
    )
    .join('');
  const stored = series.stored
    .map(([t, v, reason, trigger]) => {
      const marker = markerOf(reason, trigger);
      return `<circle class="stored" data-reason="${escapeHtml(reason)}" data-marker="${marker}" cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4.5" fill="${MARKERS[marker]?.colour ?? '#000'}"><title>${time(t)} ${fmt(v)} stored: ${escapeHtml(MARKERS[marker]?.label ?? reason)}</title></circle>`;
    })
    .join('');
  return (
    `<svg class="chart" data-device="${escapeHtml(series.deviceId)}" data-metric="${escapeHtml(series.metric)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" ` +
    `aria-label="${escapeHtml(series.metric)} of ${escapeHtml(series.deviceId)}: ${series.received.length} received, ${series.stored.length} stored">` +
    `${grid}${bands}${axes}<polyline class="received-line" points="${line}"/>${received}${stored}</svg>`
  );
}

function rollupPanel(hours: RollupHour[]): string {
  if (hours.length === 0) return '';
  const max = Math.max(...hours.map((h) => h.samples), 1);
  const rows = hours
    .map(
      (h) =>
        `<tr class="rollup-hour"><td>${new Date(h.hour).toISOString().slice(0, 13).replace('T', ' ')}:00</td><td>${h.samples}</td><td>${h.rows}</td>` +
        `<td class="bars"><svg width="300" height="14"><rect class="bar-received" width="${((300 * h.samples) / max).toFixed(1)}" height="6"/><rect class="bar-stored" y="7" width="${((300 * h.rows) / max).toFixed(1)}" height="6"/></svg></td></tr>`,
    )
    .join('');
  return `<h2>Rollup: every value counted, few stored</h2><table class="rollup"><tr><th>hour (UTC)</th><th>values received</th><th>rows stored</th><th></th></tr>${rows}</table>`;
}

/** A self-contained page (inline SVG and CSS, no external assets) showing what the filter kept. */
export function renderDemoReport(
  series: ReportSeries[],
  summary: ReportSummary,
  settings?: ReportSettings,
  rollup: RollupHour[] = [],
): string {
  const pct = ((100 * summary.storedMessages) / Math.max(1, summary.received - summary.deadLettered)).toFixed(1);
  const occurring = new Set(series.flatMap((s) => s.stored.map(([, , reason, trigger]) => markerOf(reason, trigger))));
  const legend = Object.entries(MARKERS)
    .filter(([marker]) => occurring.has(marker))
    .map(
      ([marker, { colour, label }]) =>
        `<span data-marker="${marker}"><svg width="12" height="12"><circle cx="6" cy="6" r="5" fill="${colour}"/></svg> ${label}</span>`,
    )
    .join(' ');
  const dead = Object.entries(summary.deadLetteredByReason ?? {}).sort((a, b) => b[1] - a[1]);
  const deadTable = dead.length
    ? `<h2>Dead letters by reason</h2><table class="dead-letters">${dead.map(([reason, n]) => `<tr><td>${escapeHtml(reason)}</td><td>${n}</td></tr>`).join('')}</table>`
    : '';
  const settingsText = settings
    ? `<p class="settings">Filter: store <b>${escapeHtml(settings.store)}</b>, change threshold <b>${fmt(settings.changeThreshold * 100)} %</b> of the last stored value (zero floor ${fmt(settings.zeroFloor)}), snapshot every <b>${settings.snapshotIntervalS} s</b> of event time, previous value ${settings.storePrevious ? 'stored' : 'not stored'}. Shaded: the band within which a value counts as unchanged.</p>`
    : '';
  const sections = series
    .map(
      (s) =>
        `<section><h2>${escapeHtml(s.deviceId)} · ${escapeHtml(s.metric)} <small>${s.received.length} received, ${s.stored.length} stored</small></h2>${chart(s)}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sift demo: what the smart filter kept</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:800px;color:#111}
h1{font-size:22px;margin:0 0 4px} h2{font-size:15px;margin:22px 0 6px} small{color:#666;font-weight:normal}
table{border-collapse:collapse;margin:12px 0} td,th{padding:2px 14px 2px 0;text-align:left} td:nth-child(n+2){text-align:right;font-variant-numeric:tabular-nums}
.legend span{margin-right:14px;white-space:nowrap} svg text{font-size:11px;fill:#555}
.axis{stroke:#999} .grid{stroke:#eee} .band{fill:#fde68a;opacity:.45} .received-line{fill:none;stroke:#9ca3af;stroke-width:1} .received{fill:#9ca3af} .stored{stroke:#fff;stroke-width:1}
.bar-received{fill:#9ca3af} .bar-stored{fill:#2563eb} td.bars{text-align:left}
</style></head><body>
<h1>What Sift's smart filter kept</h1>
<p>Grey: every value a device sent. Coloured: the values stored in ClickHouse, by reason. The rollups still count every grey point.</p>
${settingsText}
<table>
<tr><td>messages received</td><td>${summary.received}</td></tr>
<tr><td>stored</td><td>${summary.storedMessages} (${pct} %), ${summary.storedRows} rows</td></tr>
<tr><td>filtered out</td><td>${summary.filteredOut}</td></tr>
<tr><td>dead-lettered</td><td>${summary.deadLettered}</td></tr>
<tr><td>drained in</td><td>${summary.seconds.toFixed(1)} s</td></tr>
</table>
${deadTable}
<p class="legend"><span><svg width="12" height="12"><circle cx="6" cy="6" r="2" fill="#9ca3af"/></svg> received</span> <span><svg width="12" height="12"><rect width="12" height="12" fill="#fde68a"/></svg> unchanged band</span> ${legend}</p>
${sections}
${rollupPanel(rollup)}
</body></html>
`;
}
