/** One chart: every value a device sent for one metric, and the values the filter stored. */
export interface ReportSeries {
  deviceId: string;
  metric: string;
  received: Array<[ts: number, value: number]>;
  stored: Array<[ts: number, value: number, reason: string]>;
}

export interface ReportSummary {
  received: number;
  storedMessages: number;
  storedRows: number;
  filteredOut: number;
  deadLettered: number;
  seconds: number;
}

const REASON_COLOURS: Record<string, string> = {
  first_contact: '#2563eb',
  change: '#dc2626',
  snapshot: '#16a34a',
  previous: '#9333ea',
};

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (n: number) => (Math.abs(n) >= 1000 ? n.toFixed(0) : Number(n.toPrecision(4)).toString());
const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

const WIDTH = 760;
const HEIGHT = 230;
const PAD = { left: 64, right: 16, top: 16, bottom: 30 };

function chart(series: ReportSeries): string {
  const all = [...series.received, ...series.stored.map(([t, v]) => [t, v] as [number, number])];
  if (all.length === 0) return '<p>No values.</p>';
  const ts = all.map(([t]) => t);
  const vs = all.map(([, v]) => v);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  let [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  const margin = (v1 - v0) * 0.08 || Math.abs(v0) * 0.05 || 1;
  v0 -= margin;
  v1 += margin;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - v0) / (v1 - v0)) * (HEIGHT - PAD.top - PAD.bottom);
  const line = series.received.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const received = series.received
    .map(([t, v]) => `<circle class="received" cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="1.6"><title>${time(t)} ${fmt(v)} received</title></circle>`)
    .join('');
  const stored = series.stored
    .map(
      ([t, v, reason]) =>
        `<circle class="stored" data-reason="${escape(reason)}" cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4.5" fill="${REASON_COLOURS[reason] ?? '#000'}"><title>${time(t)} ${fmt(v)} stored: ${escape(reason)}</title></circle>`,
    )
    .join('');
  const axes =
    `<line class="axis" x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}"/>` +
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}"/>` +
    `<text x="${PAD.left - 6}" y="${y(v1 - margin) + 4}" text-anchor="end">${fmt(v1 - margin)}</text>` +
    `<text x="${PAD.left - 6}" y="${y(v0 + margin) + 4}" text-anchor="end">${fmt(v0 + margin)}</text>` +
    `<text x="${PAD.left}" y="${HEIGHT - 8}">${time(t0)}</text>` +
    `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${time(t1)} UTC</text>`;
  return (
    `<svg class="chart" data-device="${escape(series.deviceId)}" data-metric="${escape(series.metric)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" ` +
    `aria-label="${escape(series.metric)} of ${escape(series.deviceId)}: ${series.received.length} received, ${series.stored.length} stored">` +
    `${axes}<polyline class="received-line" points="${line}"/>${received}${stored}</svg>`
  );
}

/** A self-contained page (inline SVG and CSS, no external assets) showing what the filter kept. */
export function renderDemoReport(series: ReportSeries[], summary: ReportSummary): string {
  const pct = ((100 * summary.storedMessages) / Math.max(1, summary.received - summary.deadLettered)).toFixed(1);
  const legend = Object.entries(REASON_COLOURS)
    .map(([reason, colour]) => `<span><svg width="12" height="12"><circle cx="6" cy="6" r="5" fill="${colour}"/></svg> ${reason}</span>`)
    .join(' ');
  const sections = series
    .map((s) => `<section><h2>${escape(s.deviceId)} · ${escape(s.metric)} <small>${s.received.length} received, ${s.stored.length} stored</small></h2>${chart(s)}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sift demo: what the smart filter kept</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:800px;color:#111}
h1{font-size:22px;margin:0 0 4px} h2{font-size:15px;margin:22px 0 6px} small{color:#666;font-weight:normal}
table{border-collapse:collapse;margin:12px 0} td{padding:2px 14px 2px 0} td:last-child{text-align:right;font-variant-numeric:tabular-nums}
.legend span{margin-right:14px;white-space:nowrap} svg text{font-size:11px;fill:#555}
.axis{stroke:#999} .received-line{fill:none;stroke:#9ca3af;stroke-width:1} .received{fill:#9ca3af} .stored{stroke:#fff;stroke-width:1}
</style></head><body>
<h1>What Sift's smart filter kept</h1>
<p>Grey: every value a device sent. Coloured: the values stored in ClickHouse, by reason. The rollups still count every grey point.</p>
<table>
<tr><td>messages received</td><td>${summary.received}</td></tr>
<tr><td>stored</td><td>${summary.storedMessages} (${pct} %), ${summary.storedRows} rows</td></tr>
<tr><td>filtered out</td><td>${summary.filteredOut}</td></tr>
<tr><td>dead-lettered</td><td>${summary.deadLettered}</td></tr>
<tr><td>drained in</td><td>${summary.seconds.toFixed(1)} s</td></tr>
</table>
<p class="legend"><span><svg width="12" height="12"><circle cx="6" cy="6" r="2" fill="#9ca3af"/></svg> received</span> ${legend}</p>
${sections}
</body></html>
`;
}
