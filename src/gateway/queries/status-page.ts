import { createHash } from 'node:crypto';

/**
 * GET /status: one self-contained page (inline CSS and script, no external asset, no build step)
 * that asks once for a read key, keeps it in this tab's sessionStorage, and polls the JSON read
 * routes with it as `Authorization: Bearer <key>`. Every value from the data is set as text, never
 * as HTML. The script is plain ES2017 written without template literals, so this file can hold it.
 */

const STYLE = `
:root {
  --bg: #0f1420; --panel: #171e2e; --panel-2: #1d2639; --line: #27324a; --text: #e6ebf5; --muted: #8b97b0;
  --accent: #6aa8ff; --good: #3ecf8e; --warn: #f5b544; --bad: #ff6b6b; --radius: 14px;
  color-scheme: dark;
}
@media (prefers-color-scheme: light) {
  :root { --bg: #f4f6fb; --panel: #ffffff; --panel-2: #f0f3f9; --line: #e1e6f0; --text: #1b2333; --muted: #66728a; --accent: #2f6fe0; color-scheme: light; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: center; gap: 16px; padding: 18px 28px; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: var(--bg); z-index: 2; }
header h1 { font-size: 18px; margin: 0; font-weight: 650; letter-spacing: .2px; }
header h1 span { color: var(--muted); font-weight: 500; }
#live { display: inline-flex; align-items: center; gap: 8px; color: var(--muted); font-size: 13px; margin-left: auto; }
#live i { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); display: inline-block; }
#live.ok i { background: var(--good); box-shadow: 0 0 0 4px color-mix(in srgb, var(--good) 25%, transparent); }
#live.failing i { background: var(--bad); }
button { font: inherit; color: var(--text); background: var(--panel-2); border: 1px solid var(--line); border-radius: 9px; padding: 6px 12px; cursor: pointer; }
button:hover { border-color: var(--accent); }
main { padding: 22px 28px 40px; max-width: 1400px; margin: 0 auto; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(138px, 1fr)); gap: 14px; margin-bottom: 18px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 14px 16px; }
.tile .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile .value { font-size: 28px; font-weight: 650; margin-top: 4px; font-variant-numeric: tabular-nums; }
.tile .sub { color: var(--muted); font-size: 12px; margin-top: 2px; }
.tile.worker { border-color: color-mix(in srgb, var(--accent) 40%, var(--line)); }
.grid { display: grid; grid-template-columns: repeat(12, 1fr); gap: 14px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px 18px; min-width: 0; }
section h2 { font-size: 14px; margin: 0 0 12px; font-weight: 650; display: flex; justify-content: space-between; align-items: baseline; }
section h2 small { color: var(--muted); font-weight: 500; font-size: 12px; }
.w12 { grid-column: span 12; } .w7 { grid-column: span 7; } .w5 { grid-column: span 5; } .w6 { grid-column: span 6; }
@media (max-width: 1000px) { .w7, .w5, .w6 { grid-column: span 12; } }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { padding: 8px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; }
td.w40 { width: 40%; } td.w30 { width: 30%; }
.pill { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.pill.healthy { background: color-mix(in srgb, var(--good) 18%, transparent); color: var(--good); }
.pill.degraded { background: color-mix(in srgb, var(--warn) 18%, transparent); color: var(--warn); }
.pill.unhealthy { background: color-mix(in srgb, var(--bad) 18%, transparent); color: var(--bad); }
svg.spark { display: block; }
svg.spark circle { stroke: none; }
svg.spark.p95 circle { fill: var(--accent); } svg.spark.errors circle { fill: var(--bad); }
svg.spark polyline { fill: none; stroke-width: 1.8; stroke-linejoin: round; stroke-linecap: round; }
svg.spark.p95 polyline { stroke: var(--accent); }
svg.spark.errors polyline { stroke: var(--bad); }
svg.spark .area { stroke: none; opacity: .14; }
svg.spark.p95 .area { fill: var(--accent); } svg.spark.errors .area { fill: var(--bad); }
.bar { position: relative; height: 8px; border-radius: 8px; background: var(--panel-2); overflow: hidden; min-width: 80px; }
.bar > i { position: absolute; inset: 0 auto 0 0; border-radius: 8px; background: var(--good); }
.bar.mid > i { background: var(--warn); } .bar.low > i { background: var(--bad); } .bar.state > i { background: var(--accent); }
.empty { color: var(--muted); padding: 10px 0; }
.muted { color: var(--muted); }
#key { position: fixed; inset: 0; display: none; align-items: center; justify-content: center; background: color-mix(in srgb, var(--bg) 85%, transparent); backdrop-filter: blur(4px); z-index: 5; }
#key.open { display: flex; }
#key form { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 22px; width: min(440px, 92vw); }
#key h2 { margin: 0 0 8px; font-size: 16px; }
#key p { color: var(--muted); margin: 0 0 14px; }
#key code { color: var(--text); white-space: nowrap; }
#key button[type=submit] { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
#key input { width: 100%; font: inherit; padding: 9px 11px; border-radius: 9px; border: 1px solid var(--line); background: var(--panel-2); color: var(--text); margin-bottom: 12px; }
#key .error { color: var(--bad); min-height: 1.4em; margin: 0 0 10px; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var REFRESH_MS = 5000;
  var KEY_NAME = 'sift-read-key';
  var SVG = 'http://www.w3.org/2000/svg';
  var timer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function fill(id, nodes) {
    var target = document.getElementById(id);
    target.replaceChildren.apply(target, nodes);
  }
  function int(n) { return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'); }
  function pct(x) { return x === null || x === undefined || isNaN(x) ? '–' : (x * 100).toFixed(1) + '%'; }
  function ms(x) { return x === null || x === undefined || isNaN(x) ? '–' : (x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')) + ' ms'; }
  function duration(s) {
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.floor(s / 60) + ' min';
    if (s < 172800) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' days';
  }
  function utc(text) { return new Date(String(text).replace(' ', 'T') + (/Z|[+-]\\d\\d:?\\d\\d$/.test(text) ? '' : 'Z')); }
  function setTile(name, text, sub) {
    var tile = document.querySelector('[data-tile="' + name + '"]');
    tile.querySelector('.value').textContent = text;
    if (sub !== undefined) tile.querySelector('.sub').textContent = sub;
  }

  /** A small trend line of hourly values; null hours are gaps drawn at the baseline for counts, skipped for times. */
  function spark(values, kind) {
    var w = 120, h = 30, pad = 2;
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark ' + kind);
    svg.setAttribute('width', w); svg.setAttribute('height', h); svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    var known = values.filter(function (v) { return v !== null; });
    if (known.length === 0) return svg;
    var max = Math.max.apply(null, known) || 1;
    var points = [];
    values.forEach(function (v, i) {
      if (v === null) return;
      var x = values.length === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (values.length - 1);
      points.push(x.toFixed(1) + ',' + (h - pad - (v / max) * (h - 2 * pad)).toFixed(1));
    });
    if (points.length === 1) points.push(points[0]);
    var area = document.createElementNS(SVG, 'polygon');
    area.setAttribute('class', 'area');
    area.setAttribute('points', points[0].split(',')[0] + ',' + h + ' ' + points.join(' ') + ' ' + points[points.length - 1].split(',')[0] + ',' + h);
    var line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    var last = points[points.length - 1].split(',');
    var dot = document.createElementNS(SVG, 'circle');
    dot.setAttribute('cx', last[0]); dot.setAttribute('cy', last[1]); dot.setAttribute('r', '2.4');
    svg.appendChild(area); svg.appendChild(line); svg.appendChild(dot);
    return svg;
  }
  /** The 24 hour buckets ending now, oldest first, as epoch ms. */
  function hours() {
    var now = new Date(); now.setUTCMinutes(0, 0, 0);
    var out = [];
    for (var i = 23; i >= 0; i--) out.push(now.getTime() - i * 3600000);
    return out;
  }
  function series(rows, valueOf, missing) {
    var byHour = {};
    rows.forEach(function (r) { byHour[utc(r.bucket).getTime()] = valueOf(r); });
    return hours().map(function (t) { return t in byHour ? byHour[t] : missing; });
  }
  function bar(fraction, cls) {
    var b = el('div', { 'class': 'bar ' + (cls || '') });
    var fillEl = el('i');
    fillEl.style.width = Math.max(0, Math.min(1, fraction)) * 100 + '%';
    b.appendChild(fillEl);
    return b;
  }
  function empty(text) { return el('div', { 'class': 'empty' }, [text]); }

  function key() { return sessionStorage.getItem(KEY_NAME); }
  function askForKey(message) {
    clearTimeout(timer);
    document.getElementById('key-error').textContent = message || '';
    document.getElementById('key').classList.add('open');
    document.getElementById('key-input').focus();
  }
  function KeyRefused(status) { this.status = status; }

  function get(path) {
    return fetch(path, { headers: { authorization: 'Bearer ' + key(), accept: 'application/json' } }).then(function (res) {
      if (res.status === 401 || res.status === 403) throw new KeyRefused(res.status);
      return res.json().then(function (body) {
        if (!res.ok && path !== '/health/detailed') throw new Error(path + ': ' + (body.message || body.error || res.status));
        return body;
      });
    });
  }

  function render(d) {
    var status = d.status.data, dash = d.dashboard, health = d.health, detailed = d.detailed;
    setTile('active-users', int(status.realTimeMetrics.activeUsers), int(status.sessions.signedInUsers) + ' signed in');
    setTile('tracked-agents', int(status.realTimeMetrics.trackedAgents));
    setTile('dau', int(dash.active_users.daily), 'WAU ' + int(dash.active_users.weekly) + ' · MAU ' + int(dash.active_users.monthly));
    setTile('requests-hour', int(dash.requests.requests), ms(dash.requests.avg_response_time_ms) + ' mean');
    setTile('error-rate-hour', pct(dash.requests.error_rate), int(dash.requests.errors_5xx) + ' answered 5xx');
    setTile('errors-day', int(dash.errors.errors), int(dash.errors.critical) + ' critical');
    var worker = detailed.checks.worker;
    document.querySelectorAll('.tile.worker').forEach(function (t) { t.hidden = !worker || worker.status !== 'healthy'; });
    if (worker && worker.status === 'healthy') {
      setTile('backlog', int(worker.backlog), 'over ' + int(worker.partitions) + ' partitions');
      setTile('dead-letters', int(worker.dead_letters));
    }

    var hourly = dash.api.services_hourly;
    fill('services', health.services.length === 0 ? [empty('No API requests in the last hour.')] : [el('table', {}, [
      el('thead', {}, [el('tr', {}, [el('th', {}, ['Service']), el('th', {}, ['Health']), el('th', { 'class': 'num' }, ['Requests']),
        el('th', { 'class': 'num' }, ['p95']), el('th', { 'class': 'num' }, ['Error rate']), el('th', {}, ['p95, 24 h']), el('th', {}, ['5xx rate, 24 h'])])]),
      el('tbody', {}, health.services.map(function (s) {
        var mine = hourly.filter(function (r) { return r.service === s.service; });
        return el('tr', { 'data-service': s.service }, [
          el('td', {}, [s.service]),
          el('td', {}, [el('span', { 'class': 'pill ' + s.status }, [s.status])]),
          el('td', { 'class': 'num', 'data-col': 'requests' }, [int(s.requests)]),
          el('td', { 'class': 'num', 'data-col': 'p95' }, [ms(s.p95_response_time_ms)]),
          el('td', { 'class': 'num', 'data-col': 'error-rate' }, [pct(s.error_rate)]),
          el('td', {}, [spark(series(mine, function (r) { return r.duration_p95_ms; }, null), 'p95')]),
          el('td', {}, [spark(series(mine, function (r) { return r.error_rate; }, 0), 'errors')]),
        ]);
      })),
    ])]);

    var jobs = d.jobs.data;
    fill('jobs', jobs.length === 0 ? [empty('No job outcomes in the last 24 hours.')] : [el('table', {}, [
      el('thead', {}, [el('tr', {}, [el('th', {}, ['Job type']), el('th', { 'class': 'num' }, ['Runs']), el('th', { 'class': 'num' }, ['Failed']), el('th', {}, ['']), el('th', { 'class': 'num' }, ['Success'])])]),
      el('tbody', {}, jobs.map(function (j) {
        return el('tr', { 'data-job-type': j.job_type }, [
          el('td', {}, [j.job_type]),
          el('td', { 'class': 'num', 'data-col': 'jobs' }, [int(j.jobs)]),
          el('td', { 'class': 'num' }, [int(j.failed + j.timed_out)]),
          el('td', { 'class': 'w40' }, [bar(j.success_rate, j.success_rate >= 0.95 ? '' : j.success_rate >= 0.8 ? 'mid' : 'low')]),
          el('td', { 'class': 'num', 'data-col': 'success-rate' }, [pct(j.success_rate)]),
        ]);
      })),
    ])]);

    var trends = d.errors.data, categories = {};
    trends.forEach(function (r) { (categories[r.category] = categories[r.category] || []).push(r); });
    var names = Object.keys(categories).sort(function (a, b) { return total(categories[b]) - total(categories[a]) || (a < b ? -1 : 1); });
    function total(rows) { return rows.reduce(function (n, r) { return n + r.errors; }, 0); }
    fill('errors', names.length === 0 ? [empty('No errors in the last 24 hours.')] : [el('table', {}, [
      el('thead', {}, [el('tr', {}, [el('th', {}, ['Category']), el('th', { 'class': 'num' }, ['Errors']), el('th', { 'class': 'num' }, ['Critical']), el('th', {}, ['Per hour, 24 h'])])]),
      el('tbody', {}, names.map(function (name) {
        var rows = categories[name];
        return el('tr', { 'data-category': name }, [
          el('td', {}, [name]),
          el('td', { 'class': 'num', 'data-col': 'errors' }, [int(total(rows))]),
          el('td', { 'class': 'num', 'data-col': 'critical' }, [int(rows.reduce(function (n, r) { return n + r.critical; }, 0))]),
          el('td', {}, [spark(series(rows, function (r) { return r.errors; }, 0), 'errors')]),
        ]);
      })),
    ])]);

    var silent = dash.silent_instances;
    fill('silent', silent.length === 0 ? [empty('Every instance has beaten on time.')] : [el('table', {}, [
      el('thead', {}, [el('tr', {}, [el('th', {}, ['Instance']), el('th', {}, ['App']), el('th', {}, ['Last seen (UTC)']), el('th', { 'class': 'num' }, ['Silent for'])])]),
      el('tbody', {}, silent.map(function (i) {
        return el('tr', { 'data-instance': i.instance_id }, [
          el('td', {}, [i.instance_id]), el('td', {}, [i.app]),
          el('td', { 'class': 'muted' }, [String(i.last_seen).slice(0, 19)]),
          el('td', { 'class': 'num', 'data-col': 'silent' }, [duration(i.silent_s)]),
        ]);
      })),
    ])]);

    var states = dash.device_states, most = Math.max.apply(null, states.map(function (s) { return s.devices; }).concat([1]));
    fill('states', states.length === 0 ? [empty('No device has reported a state.')] : [el('table', {}, [
      el('tbody', {}, states.map(function (s) {
        return el('tr', { 'data-state': s.state }, [
          el('td', { 'class': 'w30' }, [s.state]),
          el('td', {}, [bar(s.devices / most, 'state')]),
          el('td', { 'class': 'num', 'data-col': 'devices' }, [int(s.devices)]),
        ]);
      })),
    ])]);
  }

  function refresh() {
    clearTimeout(timer);
    if (!key()) return askForKey();
    var live = document.getElementById('live');
    Promise.all([get('/api/status'), get('/metrics/dashboard'), get('/metrics/services/health'),
      get('/api/v1/metrics/job-outcomes?hours=24'), get('/api/v1/metrics/error-trends?hours=24'), get('/health/detailed')])
      .then(function (r) {
        render({ status: r[0], dashboard: r[1], health: r[2], jobs: r[3], errors: r[4], detailed: r[5] });
        live.className = 'ok';
        live.querySelector('span').textContent = 'Live · updated ' + new Date().toLocaleTimeString();
        document.body.setAttribute('data-rendered', String(Number(document.body.getAttribute('data-rendered') || 0) + 1));
        timer = setTimeout(refresh, REFRESH_MS);
      }, function (error) {
        if (error instanceof KeyRefused) {
          sessionStorage.removeItem(KEY_NAME);
          return askForKey(error.status === 403 ? 'That key may not read (403): create one with --read.' : 'That key was not accepted (401).');
        }
        live.className = 'failing';
        live.querySelector('span').textContent = 'Cannot refresh: ' + error.message;
        timer = setTimeout(refresh, REFRESH_MS);
      });
  }

  document.getElementById('key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = document.getElementById('key-input').value.trim();
    if (!value) return;
    sessionStorage.setItem(KEY_NAME, value);
    document.getElementById('key-input').value = '';
    document.getElementById('key').classList.remove('open');
    refresh();
  });
  document.getElementById('forget').addEventListener('click', function () {
    sessionStorage.removeItem(KEY_NAME);
    askForKey('');
  });
  refresh();
})();
`;

const tile = (name: string, label: string, worker = false) =>
  `<div class="tile${worker ? ' worker' : ''}" data-tile="${name}"${worker ? ' hidden' : ''}><div class="label">${label}</div><div class="value">–</div><div class="sub"></div></div>`;

export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sift · live status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Sift <span>· live status</span></h1>
  <div id="live"><i></i><span>Connecting…</span></div>
  <button id="forget" type="button" title="Forget the read key kept in this tab">Forget key</button>
</header>
<main>
  <div class="tiles">
    ${tile('active-users', 'Active users now')}
    ${tile('tracked-agents', 'Services, 24 h')}
    ${tile('dau', 'Users today')}
    ${tile('requests-hour', 'API requests, 1 h')}
    ${tile('error-rate-hour', 'Error rate, 1 h')}
    ${tile('errors-day', 'Errors, 24 h')}
    ${tile('backlog', 'Worker backlog', true)}
    ${tile('dead-letters', 'Dead letters', true)}
  </div>
  <div class="grid">
    <section class="w12"><h2>Services <small>last hour · trends over 24 h</small></h2><div id="services"></div></section>
    <section class="w7"><h2>Job success <small>last 24 h</small></h2><div id="jobs"></div></section>
    <section class="w5"><h2>Devices by latest state</h2><div id="states"></div></section>
    <section class="w7"><h2>Errors by category <small>last 24 h</small></h2><div id="errors"></div></section>
    <section class="w5"><h2>Silent instances <small>no beat for twice their interval</small></h2><div id="silent"></div></section>
  </div>
  <footer>Refreshes every 5 s from the gateway's read routes (/api/status, /metrics/dashboard, /metrics/services/health, /api/v1/metrics/job-outcomes, /api/v1/metrics/error-trends, /health/detailed). Active users are sessions with activity in the last 30 minutes.</footer>
</main>
<div id="key">
  <form id="key-form" autocomplete="off">
    <h2>Read key</h2>
    <p>This page reads Sift's views through the gateway. Enter a key made with <code>sift keys create --name NAME --read</code>; it is kept in this tab only and sent as <code>Authorization: Bearer</code>.</p>
    <div id="key-error" class="error"></div>
    <input id="key-input" type="password" placeholder="read key" aria-label="read key">
    <button type="submit">Open the status page</button>
  </form>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The page allows only its own inline style and script (by hash) and requests to its own origin. */
export const STATUS_PAGE_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    `script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`,
    `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
