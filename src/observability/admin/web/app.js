// membound dashboard: polls the admin endpoint's JSON and draws it with uPlot (embedded, no CDN).
// For tests it records what it drew in <body data-*>: data-ready, data-bands (the level runs of
// the memory chart, oldest first), data-band-levels, data-points, data-errors (page errors).
(function () {
  'use strict';

  const errors = [];
  function recordError(msg) {
    errors.push(String(msg));
    document.body.dataset.errors = String(errors.length);
    const ul = document.getElementById('errors');
    const li = document.createElement('li');
    li.textContent = String(msg);
    ul.appendChild(li);
    document.getElementById('errors-section').hidden = false;
  }
  window.addEventListener('error', (e) => recordError('error: ' + (e.message || e)));
  window.addEventListener('unhandledrejection', (e) =>
    recordError('unhandled rejection: ' + ((e.reason && e.reason.message) || e.reason)));
  const consoleError = console.error.bind(console);
  console.error = (...args) => { recordError('console.error: ' + args.join(' ')); consoleError(...args); };

  const LEVELS = ['normal', 'elevated', 'high', 'critical'];
  const BAND_FILL = ['rgba(45,164,78,0.10)', 'rgba(191,135,0,0.18)', 'rgba(219,109,40,0.24)',
                     'rgba(207,34,46,0.30)'];
  const LINE_COLOR = { elevated: '#bf8700', high: '#db6d28', critical: '#cf222e' };
  const token = new URLSearchParams(location.search).get('access_token');

  async function api(path) {
    const url = new URL(path, location.href);
    if (token) url.searchParams.set('access_token', token);
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  }

  function mib(bytes) { return (bytes / 1048576).toFixed(1) + ' MiB'; }
  function text(el, s) { el.textContent = s; return el; }
  function cell(tr, s) { tr.appendChild(text(document.createElement('td'), s)); }

  // Contiguous runs of one level: [{level, from, to}] over the x values.
  function levelRuns(xs, levels) {
    const runs = [];
    for (let i = 0; i < xs.length; i++) {
      const last = runs[runs.length - 1];
      if (last && last.level === levels[i]) last.to = xs[i];
      else {
        if (last) last.to = xs[i];
        runs.push({ level: levels[i], from: xs[i], to: xs[i] });
      }
    }
    return runs;
  }

  let memChart = null;
  let state = { xs: [], ratio: [], levels: [], runs: [], thresholds: null };

  function bandsPlugin() {
    return {
      hooks: {
        drawClear: [(u) => {
          const ctx = u.ctx;
          const top = u.bbox.top, height = u.bbox.height;
          ctx.save();
          for (const r of state.runs) {
            const x0 = u.valToPos(r.from, 'x', true);
            const x1 = u.valToPos(r.to, 'x', true);
            ctx.fillStyle = BAND_FILL[r.level] || BAND_FILL[0];
            ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
          }
          ctx.restore();
        }],
        draw: [(u) => {
          if (!state.thresholds) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          for (const name of ['elevated', 'high', 'critical']) {
            const y = u.valToPos(state.thresholds[name], 'y', true);
            ctx.strokeStyle = LINE_COLOR[name];
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    };
  }

  function chartWidth(el) { return Math.max(400, el.clientWidth || 900); }

  function drawMemory(hist) {
    const now = hist.now_unix_ms / 1000;
    const pts = hist.points;
    state.xs = pts.map((p) => now + p.t);
    state.ratio = pts.map((p) => p.ratio);
    state.levels = pts.map((p) => p.level_value);
    state.runs = levelRuns(state.xs, state.levels);
    state.thresholds = hist.thresholds;
    const el = document.getElementById('memory-chart');
    const data = [state.xs, state.ratio, pts.map((p) => p.used_bytes / 1048576)];
    if (!memChart) {
      memChart = new uPlot({
        width: chartWidth(el), height: 300,
        plugins: [bandsPlugin()],
        scales: { y: { range: [0, 1] }, mib: { auto: true } },
        series: [
          {},
          { label: 'used / limit', scale: 'y', stroke: '#0969da', width: 2,
            value: (u, v) => v == null ? '-' : (v * 100).toFixed(1) + ' %' },
          { label: 'used (MiB)', scale: 'mib', stroke: '#8250df', width: 1,
            value: (u, v) => v == null ? '-' : v.toFixed(1) },
        ],
        axes: [
          {},
          { scale: 'y', values: (u, vals) => vals.map((v) => (v * 100).toFixed(0) + ' %') },
          { scale: 'mib', side: 1, grid: { show: false } },
        ],
      }, data, el);
    } else {
      memChart.setData(data);
    }
    const b = document.body.dataset;
    b.points = String(pts.length);
    b.bands = state.runs.map((r) => LEVELS[r.level]).join(',');
    b.bandLevels = [...new Set(state.levels)].sort().map((l) => LEVELS[l]).join(',');
    b.thresholds = ['elevated', 'high', 'critical'].map((n) => hist.thresholds[n]).join(',');
  }

  // Hit rate per cache over the time this page has been open (client-side history).
  const hit = { names: [], xs: [], ys: [], chart: null };
  function drawHitRates(containers) {
    const caches = containers.filter((c) => c.hits + c.misses > 0 || c.kind === 'cache');
    const names = caches.map((c) => c.name);
    if (names.join('\u0000') !== hit.names.join('\u0000')) {
      hit.names = names; hit.xs = []; hit.ys = names.map(() => []);
      if (hit.chart) { hit.chart.destroy(); hit.chart = null; }
    }
    if (names.length === 0) return;
    hit.xs.push(Date.now() / 1000);
    caches.forEach((c, i) => hit.ys[i].push(c.hit_rate));
    if (hit.xs.length > 900) { hit.xs.shift(); hit.ys.forEach((y) => y.shift()); }
    const data = [hit.xs, ...hit.ys];
    const palette = ['#0969da', '#1a7f37', '#8250df', '#bf3989', '#9a6700', '#cf222e'];
    if (!hit.chart) {
      const el = document.getElementById('hit-chart');
      hit.chart = new uPlot({
        width: chartWidth(el), height: 160,
        scales: { y: { range: [0, 1] } },
        series: [{}, ...names.map((n, i) => ({ label: n + ' hit rate', stroke: palette[i % palette.length],
          value: (u, v) => v == null ? '-' : (v * 100).toFixed(1) + ' %' }))],
        axes: [{}, { values: (u, vals) => vals.map((v) => (v * 100).toFixed(0) + ' %') }],
      }, data, el);
    } else {
      hit.chart.setData(data);
    }
  }

  function drawCaches(containers) {
    const tbody = document.querySelector('#caches tbody');
    tbody.replaceChildren();
    for (const c of containers) {
      const tr = document.createElement('tr');
      cell(tr, c.name);
      cell(tr, c.kind);
      const td = document.createElement('td');
      const bar = document.createElement('span');
      bar.className = 'bar';
      const cap = Math.max(1, c.configured_capacity || c.capacity);
      bar.style.width = Math.round(80 * Math.min(1, c.size / cap)) + 'px';
      td.appendChild(bar);
      td.appendChild(document.createTextNode(c.size + ' / ' + c.capacity +
        (c.capacity !== c.configured_capacity ? ' (of ' + c.configured_capacity + ')' : '')));
      tr.appendChild(td);
      cell(tr, mib(c.bytes));
      cell(tr, c.hits + c.misses > 0 ? (c.hit_rate * 100).toFixed(1) + ' %' : '-');
      cell(tr, String(c.evictions));
      cell(tr, String(c.pressure_evictions));
      tbody.appendChild(tr);
    }
    document.body.dataset.containers = String(containers.length);
  }

  function drawAlerts(a) {
    const tbody = document.querySelector('#alerts tbody');
    tbody.replaceChildren();
    const list = (a.alerts || []).slice().reverse();
    for (const e of list.slice(0, 50)) {
      const tr = document.createElement('tr');
      const wall = a.now_unix_ms - (a.now_steady_ms - e.steady_ms);
      cell(tr, new Date(wall).toLocaleTimeString());
      const sev = text(document.createElement('td'), e.severity);
      sev.className = 'sev-' + e.severity;
      tr.appendChild(sev);
      cell(tr, e.state);
      cell(tr, e.message);
      tbody.appendChild(tr);
    }
    if (list.length === 0) {
      const tr = document.createElement('tr');
      cell(tr, a.enabled === false ? 'alerts are not enabled' : 'no alerts');
      tbody.appendChild(tr);
    }
    document.body.dataset.alerts = String(list.length);
  }

  function drawStages(s) {
    const tbody = document.querySelector('#stages tbody');
    tbody.replaceChildren();
    for (const t of (s.totals || []).slice(0, 20)) {
      const tr = document.createElement('tr');
      cell(tr, t.kind); cell(tr, t.name); cell(tr, String(t.count));
      cell(tr, mib(t.total_delta_bytes)); cell(tr, mib(t.last_delta_bytes));
      tbody.appendChild(tr);
    }
  }

  function drawHeader(ms) {
    const lvl = document.getElementById('level');
    lvl.textContent = ms.level;
    lvl.className = 'badge ' + ms.level;
    const s = ms.sample;
    text(document.getElementById('usage'), s.limit_bytes > 0
      ? mib(s.used_bytes) + ' of ' + mib(s.limit_bytes) + ' (' + (s.ratio * 100).toFixed(1) + ' %, ' + s.source + ')'
      : mib(s.used_bytes) + ' (' + s.source + ')');
    text(document.getElementById('process'), ms.process
      ? 'process RSS ' + mib(ms.process.rss_bytes) + ', VMS ' + mib(ms.process.vms_bytes) : '');
    document.body.dataset.level = ms.level;
  }

  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const win = document.getElementById('window').value;
      const [ms, hist, caches, alerts, stages] = await Promise.all([
        api('memory-stats'), api('memory-history?window=' + encodeURIComponent(win)),
        api('cache-stats'), api('alerts'), api('stages')]);
      drawHeader(ms);
      drawMemory(hist);
      drawCaches(caches.containers);
      drawHitRates(caches.containers);
      drawAlerts(alerts);
      drawStages(stages);
      document.body.dataset.ready = '1';
    } catch (e) {
      recordError(e && e.message ? e.message : e);
    } finally {
      busy = false;
    }
  }

  document.getElementById('window').addEventListener('change', refresh);
  window.addEventListener('resize', () => {
    const el = document.getElementById('memory-chart');
    if (memChart) memChart.setSize({ width: chartWidth(el), height: 300 });
    if (hit.chart) hit.chart.setSize({ width: chartWidth(el), height: 160 });
  });
  refresh();
  setInterval(refresh, 2000);
})();
