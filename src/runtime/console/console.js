/* global document, window, fetch, URLSearchParams, performance, setTimeout */
// The web console's only script: fetches the console API and renders tables and inline SVG charts.
// Plain browser JavaScript with no framework and no build step (see console-assets.ts for why).
// Safety rule: every value from the API reaches the page as text (textContent, attribute values via
// setAttribute), never as markup, so a label or failure message cannot inject HTML or script.
'use strict';

const REFRESH_MS = 10_000;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an element: attributes set one by one, children appended as nodes or text. */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function replace(id, ...nodes) {
  const target = document.getElementById(id);
  target.replaceChildren(...nodes.flat());
}

const pad = (n) => String(n).padStart(2, '0');
function clock(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
function ago(iso) {
  return iso ? `${duration(Date.now() - Date.parse(iso))} ago` : '—';
}
function ms(value) {
  return value === null || value === undefined
    ? '—'
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${Math.round(value)} ms`;
}
function percent(value) {
  if (value === null || value === undefined) return '—';
  const p = value * 100;
  return `${p === 100 ? '100' : p >= 99 ? p.toFixed(2) : p.toFixed(1)} %`;
}
function num(value) {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}
function labelsText(labels) {
  return Object.entries(labels || {})
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
}
function badge(kind, text) {
  return el('span', { class: `badge ${kind}` }, text || kind.toUpperCase());
}
function tile(value, label, kind) {
  return el(
    'div',
    { class: `tile ${kind || ''}` },
    el('div', { class: 'value' }, String(value)),
    el('div', { class: 'label' }, label),
  );
}
function table(caption, headers, rows, empty) {
  if (rows.length === 0) return el('p', { class: 'muted' }, empty);
  return el(
    'table',
    {},
    caption ? el('caption', {}, caption) : null,
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map(([text, cls]) => el('th', { scope: 'col', class: cls }, text)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  const box = document.getElementById('error');
  if (error) {
    box.textContent = `Could not load data: ${error.message}. Retrying…`;
    box.hidden = false;
  } else box.hidden = true;
}

/** Loads and renders now, then again every REFRESH_MS; a failure shows a banner and keeps the last view. */
function every(load) {
  const run = async () => {
    try {
      await load();
      showError(null);
      document.getElementById('updated').textContent = `Updated ${clock(new Date().toISOString())}`;
    } catch (error) {
      showError(error);
    }
    setTimeout(run, REFRESH_MS);
  };
  void run();
}

// ---- charts ----

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/** A small line, its gaps where there is no value. */
function sparkline(points, label) {
  const width = 120;
  const height = 28;
  const values = points.map((p) => p.avgMs);
  const max = niceMax(Math.max(0, ...values.filter((v) => v !== null)));
  const node = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label });
  node.append(svg('title', {}, label));
  const step = points.length > 1 ? width / (points.length - 1) : width;
  points.forEach((p, i) => {
    if (p.availability !== null && p.availability < 1) {
      node.append(svg('rect', { x: i * step - step / 2, y: 0, width: step, height, fill: '#ff7b72', opacity: 0.35 }));
    }
  });
  node.append(
    svg('path', {
      d: linePath(
        values,
        (i) => i * step,
        (v) => height - 2 - (v / max) * (height - 4),
      ),
      fill: 'none',
      stroke: '#79c0ff',
      'stroke-width': 1.5,
    }),
  );
  return node;
}

function linePath(values, x, y) {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d || 'M0,0';
}

const PHASES = [
  ['avgMs', 'Total (avg)', '#e6edf3'],
  ['dnsMs', 'DNS', '#d2a8ff'],
  ['connectMs', 'Connect', '#79c0ff'],
  ['tlsMs', 'TLS', '#56d4dd'],
  ['firstByteMs', 'First byte', '#e3b341'],
  ['transferMs', 'Transfer', '#ffa657'],
];

/** Response time by phase over the range, with failed buckets shaded; one SVG, no library. */
function lineChart(chart, from, to, label) {
  const width = 1200;
  const height = 300;
  const left = 56;
  const right = 12;
  const top = 10;
  const bottom = 28;
  const t0 = Date.parse(from);
  const t1 = Date.parse(to);
  const series = PHASES.filter(([key]) => chart[key].some((v) => v !== null));
  const max = niceMax(Math.max(0, ...series.flatMap(([key]) => chart[key].filter((v) => v !== null))));
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  const node = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  node.append(svg('title', {}, label));
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    node.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'grid' }));
    node.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, ms(v)));
  }
  for (let i = 0; i <= 6; i++) {
    const t = t0 + ((t1 - t0) * i) / 6;
    const d = new Date(t);
    const text =
      t1 - t0 > 86_400_000 * 1.5
        ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:00`
        : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    node.append(
      svg(
        'text',
        { x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === 6 ? 'end' : 'middle', class: 'axis' },
        text,
      ),
    );
  }
  const barWidth = Math.max(1, chart.t.length > 1 ? x(chart.t[1]) - x(chart.t[0]) : 2);
  chart.t.forEach((t, i) => {
    const a = chart.availability[i];
    if (a !== null && a < 1) {
      const rect = svg('rect', {
        x: x(t),
        y: top,
        width: barWidth,
        height: height - top - bottom,
        fill: '#ff7b72',
        opacity: 0.15 + 0.5 * (1 - a),
      });
      rect.append(svg('title', {}, `${clock(new Date(t).toISOString())}: ${percent(a)} available`));
      node.append(rect);
    }
  });
  for (const [key, , color] of series) {
    node.append(
      svg('path', {
        d: linePath(chart[key], (i) => x(chart.t[i]), y),
        fill: 'none',
        stroke: color,
        'stroke-width': key === 'avgMs' ? 2.2 : 1.4,
        'data-series': key,
      }),
    );
  }
  const legend = el(
    'ul',
    { class: 'legend' },
    series.map(([, name, color]) => el('li', {}, swatch(color), name)),
    el('li', {}, swatch('rgba(255,123,114,.6)'), 'Failures (shaded)'),
  );
  return [node, legend];
}

/** A legend colour; set through the CSSOM, which the page's CSP allows (a style attribute it does not). */
function swatch(color) {
  const node = el('i', { 'aria-hidden': 'true' });
  node.style.background = color;
  return node;
}

// ---- pages ----

function probeLink(site, probe, text) {
  const params = new URLSearchParams({ site, probe });
  return el('a', { href: `probe.html?${params}` }, text || probe);
}

async function loadStatus() {
  const view = await getJson('/api/console/status');
  replace(
    'summary',
    tile(view.summary.up, 'probes up'),
    tile(view.summary.down, 'probes down'),
    tile(view.summary.unknown, 'no data yet'),
  );
  const sections = view.sites.map((site) => {
    const rows = site.probes.map((p) => {
      const state = p.status === 'unknown' ? badge('unknown', 'NO DATA') : badge(p.status);
      const since = p.since
        ? `${p.status === 'down' ? 'down' : 'up'} for ${duration(Date.now() - Date.parse(p.since))}`
        : '—';
      const why = p.failure ? el('div', { class: 'detail reason' }, `${p.failure.reason}: ${p.failure.message}`) : null;
      return el(
        'tr',
        { 'data-probe': `${p.site}/${p.probe}` },
        el('td', {}, state, p.stale ? [' ', badge('stale', 'STALE')] : null),
        el('td', {}, probeLink(p.site, p.probe), el('div', { class: 'detail' }, `${p.kind} · ${p.target}`), why),
        el('td', {}, since, el('div', { class: 'detail' }, p.since ? `since ${clock(p.since)}` : '')),
        el(
          'td',
          { class: 'num' },
          ms(p.responseMs),
          p.statusCode !== null ? el('div', { class: 'detail' }, `HTTP ${p.statusCode}`) : null,
        ),
        el('td', { class: 'num' }, percent(p.availability24h)),
        el('td', {}, sparkline(p.sparkline, `${p.probe}: response time over 24 hours`)),
        el('td', { class: 'num' }, p.certDaysLeft === null ? '—' : `${p.certDaysLeft} d`),
        el('td', {}, ago(p.lastCheck)),
      );
    });
    return el(
      'section',
      { 'aria-label': site.name },
      table(
        `${site.name} (${site.site})`,
        [
          ['Status'],
          ['Probe'],
          ['Since'],
          ['Last response', 'num'],
          ['24 h availability', 'num'],
          ['24 h response time'],
          ['TLS cert', 'num'],
          ['Last check'],
        ],
        rows,
        'No probes at this site.',
      ),
    );
  });
  replace('sites', sections.length ? sections : el('p', { class: 'muted' }, 'No sites configured.'));
}

let firstChartMarked = false;

async function loadProbe() {
  const params = new URLSearchParams(window.location.search);
  const site = params.get('site') || '';
  const probe = params.get('probe') || '';
  const range = params.get('range') || '24h';
  replace(
    'ranges',
    ['1h', '24h', '7d'].map((r) =>
      el(
        'a',
        {
          href: `probe.html?${new URLSearchParams({ site, probe, range: r })}`,
          'aria-current': r === range ? 'true' : false,
        },
        r,
      ),
    ),
  );
  const view = await getJson(`/api/console/probe?${new URLSearchParams({ site, probe, range })}`);
  const s = view.status;
  document.title = `${probe} · PerformanceFlow`;
  replace('title', `${probe} `, s.status === 'unknown' ? badge('unknown', 'NO DATA') : badge(s.status));
  replace(
    'subtitle',
    `${s.kind} · ${s.target} · site ${site}${s.since ? ` · ${s.status} since ${clock(s.since)}` : ''}`,
  );
  replace(
    'summary',
    tile(percent(view.availability), `available over ${range}`),
    tile(ms(s.responseMs), 'last response'),
    tile(view.results, `results over ${range}`),
    tile(
      view.failures.length === 0 ? 0 : view.failureReasons.reduce((n, r) => n + r.count, 0),
      `failures over ${range}`,
    ),
    s.failure ? tile(s.failure.reason, 'current failure', 'down') : null,
  );
  const step = view.stepMs === null ? 'each result' : `${view.stepMs / 60_000}-minute averages`;
  replace(
    'chart',
    view.chart.t.length === 0
      ? el('p', { class: 'muted' }, `No results in the last ${range}.`)
      : lineChart(view.chart, view.from, view.to, `${probe}: response time by phase over ${range} (${step})`),
  );
  if (!firstChartMarked && view.chart.t.length > 0) {
    firstChartMarked = true;
    performance.mark('pflow:first-chart');
  }
  replace(
    'codes',
    table(
      null,
      [['Status code'], ['Results', 'num']],
      view.statusCodes.map((c) => el('tr', {}, el('td', {}, `HTTP ${c.code}`), el('td', { class: 'num' }, c.count))),
      'No HTTP status codes in this range.',
    ),
  );
  replace(
    'reasons',
    table(
      null,
      [['Reason'], ['Failures', 'num'], ['Last']],
      view.failureReasons.map((r) =>
        el('tr', {}, el('td', {}, r.reason), el('td', { class: 'num' }, r.count), el('td', {}, clock(r.last))),
      ),
      'No failures in this range.',
    ),
  );
  replace(
    'failures',
    table(
      null,
      [['Time'], ['Reason'], ['Message'], ['Status', 'num'], ['Duration', 'num']],
      view.failures.map((f) =>
        el(
          'tr',
          {},
          el('td', {}, clock(f.time)),
          el('td', {}, badge('down', f.reason)),
          el('td', { class: 'detail' }, f.message),
          el('td', { class: 'num' }, f.statusCode === null ? '—' : f.statusCode),
          el('td', { class: 'num' }, ms(f.durationMs)),
        ),
      ),
      'No failures in this range.',
    ),
  );
}

async function loadAlerts() {
  const view = await getJson('/api/console/alerts?limit=100');
  replace(
    'summary',
    tile(view.summary.firing, 'firing'),
    tile(view.summary.pending, 'pending'),
    tile(view.summary.silenced, 'silenced'),
  );
  replace(
    'active',
    table(
      null,
      [['State'], ['Severity'], ['Alert'], ['Since'], ['Value', 'num'], ['Threshold']],
      view.active.map((a) =>
        el(
          'tr',
          { 'data-alert': a.key },
          el('td', {}, badge(a.state), a.silenced ? [' ', badge('silenced')] : null),
          el('td', {}, a.rule.severity ? badge(a.rule.severity) : '—'),
          el(
            'td',
            {},
            el('strong', {}, a.rule.name),
            el('div', { class: 'detail' }, `site ${a.site} · ${labelsText(a.labels)}`),
            a.summary ? el('div', { class: 'detail' }, a.summary) : null,
          ),
          el('td', {}, duration(Date.now() - Date.parse(a.since)), el('div', { class: 'detail' }, clock(a.since))),
          el('td', { class: 'num' }, num(a.value)),
          el('td', {}, a.threshold || '—'),
        ),
      ),
      'Nothing is firing or pending.',
    ),
  );
  replace(
    'channels',
    table(
      null,
      [['Channel'], ['Events delivered (24 h)', 'num'], ['Waiting for retry', 'num'], ['Dead letters', 'num']],
      view.channels.map((c) =>
        el(
          'tr',
          {},
          el('td', {}, c.channel),
          el('td', { class: 'num' }, c.delivered),
          el('td', { class: 'num' }, c.retrying),
          el('td', { class: 'num' }, c.deadLetters),
        ),
      ),
      'No notifications yet.',
    ),
  );
  replace(
    'history',
    table(
      null,
      [['Time'], ['State'], ['Alert'], ['Value vs threshold'], ['Notifications']],
      view.history.map((h) =>
        el(
          'tr',
          { 'data-event': h.id },
          el('td', {}, clock(h.time)),
          el('td', {}, badge(h.state)),
          el(
            'td',
            {},
            el('strong', {}, h.rule.name),
            el('div', { class: 'detail' }, `${h.rule.severity} · site ${h.site} · ${labelsText(h.labels)}`),
            h.summary ? el('div', { class: 'detail' }, h.summary) : null,
          ),
          el('td', {}, `${num(h.value)} (threshold ${h.threshold})`),
          el(
            'td',
            {},
            h.notifications.length === 0
              ? el('span', { class: 'muted' }, 'none recorded')
              : el(
                  'ul',
                  { class: 'legend' },
                  h.notifications.map((n) =>
                    el(
                      'li',
                      { title: n.detail || n.at },
                      `${n.channel} `,
                      badge(n.outcome, n.outcome.replace('_', ' ')),
                    ),
                  ),
                ),
          ),
        ),
      ),
      'No alert events yet.',
    ),
  );
}

const PAGES = { status: loadStatus, probe: loadProbe, alerts: loadAlerts };
const load = PAGES[document.body.dataset.page];
if (load) every(load);
