// Ferry's live dashboard: polls /status and /history (relative URLs, so a token cookie set by /?token= goes with
// them) and draws what they say. No framework, and nothing is parsed as markup: key names and examples are user
// data, so every server string reaches the page as a text node.
'use strict';
(() => {
  const POLL_MS = 2000;      // the server samples every 2 s; polling faster shows nothing new
  const KEEP = 450;          // 15 min of 2 s samples, what /history keeps
  const TIMEOUT_MS = 5000;   // a hung request counts as lost, so the banner shows instead of a frozen page
  const PALETTE = ['#5b9cf5', '#4fbf8a', '#e0a84e', '#e5656d', '#a58be0', '#56c2d6', '#d08bc6', '#9fb86a', '#c9a27e', '#7f8fe0'];
  const TERMINAL = new Set(['done', 'failed', 'cut over']);
  const $ = (id) => document.getElementById(id);
  const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }); // grid steps such as 0.25

  let samples = [];          // /history samples, oldest first
  let lastT = null;          // t of the newest sample held: the next ?since=
  let runId = null;
  let lastPhase = null;
  let lastOk = null;
  const failures = {};       // which poll failed last time, and how

  // ---- DOM helpers: text only, never markup
  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'data') Object.assign(e.dataset, v);
      else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid != null) e.append(kid instanceof Node ? kid : String(kid));
    return e;
  }
  const setText = (id, v) => { $(id).textContent = v == null ? '–' : String(v); };
  const badge = (phase, small) => el('span', { class: small ? 'badge small' : 'badge', data: { phase: phase || '' } }, phase || '–');
  function bar(percent) {
    const fill = el('div');
    fill.style.width = Math.max(0, Math.min(100, percent)) + '%';
    return el('div', { class: 'bar' }, fill);
  }
  function kv(box, rows) {
    box.replaceChildren(...rows.flatMap(([k, v, cls]) => [el('div', null, k), el('div', { class: cls }, v)]));
  }

  // ---- formatting (en-US digits, so "12,345" reads the same everywhere and a test can strip the commas)
  const count = (n) => (n == null ? '–' : nf0.format(n));
  const rate = (r) => (r == null ? '–' : (r >= 100 ? nf0 : nf1).format(r) + '/s');
  function bytes(n) {
    if (n == null) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? nf0 : nf1).format(n) + ' ' + units[i];
  }
  function duration(s) {
    if (s == null) return '–';
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (x) => String(x).padStart(2, '0');
    if (h > 0) return `${h}h ${two(m)}m ${two(sec)}s`;
    if (m > 0) return `${m}m ${two(sec)}s`;
    return `${sec}s`;
  }
  function seconds(s) {
    if (s == null) return '–';
    if (s < 1) return s.toFixed(2) + ' s';
    if (s < 60) return s.toFixed(1) + ' s';
    return duration(s);
  }
  const clock = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour12: false });

  // ---- /status
  function renderStatus(s) {
    if (runId !== null && s.runId !== runId) { samples = []; lastT = null; } // another run answers now
    runId = s.runId;
    lastPhase = s.phase;
    document.title = `Ferry · ${s.command} · ${s.phase}`;
    document.body.dataset.command = s.command || ''; // a verify copies nothing: the copy panels hide
    setText('command', s.command);
    setText('phase', s.phase);
    $('phase').dataset.phase = s.phase || '';
    setText('source', s.source);
    setText('target', s.target);
    setText('uptime', duration(s.uptimeSeconds));
    setText('run-id', s.runId);
    setText('version', 'ferry ' + (s.ferry || ''));
    const keys = s.keys || {}, w = s.writer || {};
    setText('keys-read', count(keys.read));
    // the snapshot's progress in keys, where its RDB said how many it holds
    setText('keys-progress', keys.expected != null ? [`of ~${count(keys.expected)} (${nf1.format(keys.percent)} %)`,
      keys.etaSeconds != null ? 'ETA ' + duration(keys.etaSeconds) : null].filter(Boolean).join(' · ') : '');
    setText('keys-written', count(keys.written));
    setText('keys-filtered', count(keys.filtered));
    setText('commands-applied', count(w.commandsApplied));
    setText('bytes-sent', bytes(w.bytesSent));
    setText('write-rate', rate(w.writeRate));
    $('shards').tBodies[0].replaceChildren(...(s.shards || []).map(shardRow));
    $('nodes').tBodies[0].replaceChildren(...(w.nodes || []).map((n) => el('tr', { data: { node: n.address } },
      el('td', { class: 'mono' }, n.address), el('td', { class: 'num' }, count(n.connections)),
      el('td', { class: 'num' }, count(n.inFlight)))));
    const errors = Object.entries(w.errors || {});
    if (errors.length === 0) kv($('errors'), [['none', '']]);
    else kv($('errors'), errors.map(([kind, n]) => [kind, count(n), 'bad']));
    renderCheckpoint(s.checkpoint, s.phase);
    renderVerify(s.verify);
    for (const what of ['skipped', 'failed', 'warned']) renderReasons(what, s[what]);
  }

  function shardRow(sh) {
    const snap = sh.snapshot, lag = sh.lag || {};
    let snapCell = el('span', { class: 'dim' }, '–');
    if (snap && snap.done) {
      const read = [snap.keysRead != null ? count(snap.keysRead) + ' keys' : null, bytes(snap.bytesRead)];
      snapCell = el('div', null, 'done', el('div', { class: 'sub' }, read.filter(Boolean).join(' · ')));
    } else if (snap) {
      const detail = [bytes(snap.bytesRead) + (snap.bytesTotal != null ? ' of ' + bytes(snap.bytesTotal) : ''),
        snap.etaSeconds != null ? 'ETA ' + duration(snap.etaSeconds) : null].filter(Boolean).join(' · ');
      snapCell = el('div', null,
        snap.percent != null ? nf1.format(snap.percent) + ' %' : snap.keysRead != null ? `${count(snap.keysRead)} keys` : 'copying',
        snap.percent != null ? bar(snap.percent) : null,
        el('div', { class: 'sub' }, detail));
    }
    const lagDetail = [lag.bytes != null ? bytes(lag.bytes) : null,
      lag.records != null ? count(lag.records) + ' records' : null].filter(Boolean).join(' · ');
    return el('tr', { data: { shard: sh.name, phase: sh.phase || '' } },
      el('td', { class: 'mono name' }, sh.name),
      el('td', { class: 'phase' }, badge(sh.phase, true)),
      el('td', { class: 'position mono', title: sh.positionUnit }, sh.positionText ?? '–'),
      el('td', { class: 'snapshot' }, snapCell),
      el('td', { class: 'num read-rate' }, rate(sh.readRate),
        sh.readBytesRate != null ? el('div', { class: 'sub' }, bytes(sh.readBytesRate) + '/s') : null),
      el('td', { class: 'num lag' }, seconds(lag.seconds), lagDetail ? el('div', { class: 'sub' }, lagDetail) : null),
      el('td', { class: 'num' }, `${count(sh.reconnects)} / ${count(sh.resyncs)}`),
      el('td', { class: 'note' }, sh.note ?? ''));
  }

  function renderCheckpoint(c, phase) {
    const box = $('checkpoint-body');
    let stale = false;
    if (!c || !c.enabled) {
      kv(box, [['checkpoints', 'off']]);
    } else {
      // in the live phase positions are written every second: 10 s without one means the writes are not landing
      stale = phase === 'live' && c.ageSeconds != null && c.ageSeconds > 10;
      kv(box, [['prefix', c.prefix, 'mono'],
        ['last written', c.lastWrittenAt ? clock(Date.parse(c.lastWrittenAt)) : 'not yet'],
        ['age', c.ageSeconds != null ? seconds(c.ageSeconds) + (stale ? ' — stale' : '') : '–', 'age']]);
    }
    $('checkpoint').classList.toggle('stale', stale);
    $('checkpoint').dataset.stale = String(stale);
  }

  // every count the server gives, in its order, named from its field (round and rounds read "2 of 3"), so a
  // field added to the verify report shows without a page change
  function renderVerify(v) {
    $('verify').hidden = v == null;
    if (v == null) return;
    const rows = [];
    if (v.round != null) rows.push(['round', v.rounds != null ? `${count(v.round)} of ${count(v.rounds)}` : count(v.round)]);
    for (const [k, n] of Object.entries(v)) {
      if (k === 'round' || k === 'rounds' || typeof n !== 'number') continue;
      const bad = ['different', 'missing', 'extra'].includes(k) && n > 0;
      rows.push([k.replace(/([A-Z])/g, ' $1').toLowerCase(), count(n), bad ? 'bad' : null]);
    }
    kv($('verify-body'), rows);
  }

  function renderReasons(what, r) {
    r = r || { total: 0, reasons: [] };
    setText(what + '-total', count(r.total));
    const box = $(what);
    if (!r.reasons || r.reasons.length === 0) { box.replaceChildren(el('span', { class: 'dim' }, 'none')); return; }
    box.replaceChildren(...r.reasons.map((x) => el('div', { class: 'reason', data: { reason: x.reason } },
      el('b', null, count(x.count)), ' ', x.reason,
      el('ul', { class: 'examples' }, ...(x.examples || []).map((e) => el('li', { class: 'mono' }, e))))));
  }

  // ---- charts: lines on a canvas; data-points says how many samples (time points) the chart drew
  // the top of the scale: four equal steps of 1, 2, 2.5 or 5 times a power of ten, so the grid labels read round
  function niceTop(v) {
    const step = v / 4, p = Math.pow(10, Math.floor(Math.log10(step)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= step) return 4 * m * p;
    return 40 * p;
  }

  function drawChart(canvas, series, floor, fmt) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const L = 56, R = 10, T = 8, B = 20, pw = w - L - R, ph = h - T - B;
    // both charts share one time axis, the span of the samples held, so their x positions line up
    let t0 = samples.length ? samples[0].t : 0, t1 = samples.length ? samples[samples.length - 1].t : 0, max = 0, points = 0;
    for (let i = 0; i < samples.length; i++) {
      let any = false;
      for (const s of series) {
        const v = s.values[i];
        if (v == null) continue;
        any = true;
        max = Math.max(max, v);
      }
      if (any) points++;
    }
    const top = niceTop(Math.max(max, floor));
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#243244';
    ctx.fillStyle = '#8a9bb0';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      const y = Math.round(T + ph - (ph * k) / 4) + 0.5;
      ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(L + pw, y); ctx.stroke();
      ctx.fillText(fmt((top * k) / 4), L - 6, y);
    }
    canvas.dataset.points = String(points);
    canvas.dataset.series = String(series.length);
    if (points === 0) {
      ctx.textAlign = 'center';
      ctx.fillText('waiting for samples…', L + pw / 2, T + ph / 2);
      return;
    }
    if (t1 === t0) t0 = t1 - 2000; // one sample: show it at the right edge of a 2 s span
    const x = (t) => L + ((t - t0) / (t1 - t0)) * pw;
    const y = (v) => T + ph - (Math.min(v, top) / top) * ph;
    ctx.textBaseline = 'top';
    for (let k = 0; k <= 4; k++) {
      ctx.textAlign = k === 0 ? 'left' : k === 4 ? 'right' : 'center';
      ctx.fillText(clock(t0 + ((t1 - t0) * k) / 4), L + (pw * k) / 4, T + ph + 5);
    }
    ctx.lineJoin = 'round';
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = s.width;
      ctx.beginPath();
      let pen = false, drawn = 0, lastX = 0, lastY = 0;
      for (let i = 0; i < samples.length; i++) {
        const v = s.values[i];
        if (v == null) { pen = false; continue; }  // a gap, not a drop to zero
        lastX = x(samples[i].t); lastY = y(v);
        if (pen) ctx.lineTo(lastX, lastY); else ctx.moveTo(lastX, lastY);
        pen = true;
        drawn++;
      }
      ctx.stroke();
      if (drawn === 1) { ctx.beginPath(); ctx.arc(lastX, lastY, 2.5, 0, 2 * Math.PI); ctx.fill(); }
    }
  }

  function legend(box, series) {
    box.replaceChildren(...series.map((s) => {
      const sw = el('i');
      sw.style.background = s.color;
      return el('span', null, sw, s.name);
    }));
  }

  function drawCharts() {
    const names = [];
    for (const smp of samples) for (const sh of smp.shards || []) if (!names.includes(sh.name)) names.push(sh.name);
    const field = (name, key) => samples.map((smp) => {
      const sh = (smp.shards || []).find((x) => x.name === name);
      return sh ? sh[key] : null;
    });
    const colour = (i) => PALETTE[i % PALETTE.length];
    const lag = names.map((n, i) => ({ name: n, color: colour(i), width: 1.6, values: field(n, 'lagSeconds') }));
    const rates = [{ name: 'written', color: '#d7e0ea', width: 2.2, values: samples.map((smp) => smp.writeRate) }]
      .concat(names.map((n, i) => ({ name: 'read ' + n, color: colour(i), width: 1.3, values: field(n, 'readRate') })));
    drawChart($('lag-chart'), lag, 1, (v) => (v >= 10 ? nf0 : nf2).format(v) + ' s');
    drawChart($('rate-chart'), rates, 10, (v) => (v >= 10000 ? nf0.format(v / 1000) + 'k' : nf2.format(v)));
    legend($('lag-legend'), lag);
    legend($('rate-legend'), rates);
  }

  // ---- polling
  async function getJson(url) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    try {
      const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store', signal: ctl.signal });
      if (!r.ok) throw Object.assign(new Error('HTTP ' + r.status), { status: r.status });
      return await r.json();
    } finally {
      clearTimeout(timer);
    }
  }

  async function pollStatus() {
    renderStatus(await getJson('status'));
    lastOk = Date.now();
    setText('updated', 'updated ' + clock(lastOk));
  }

  async function pollHistory() {
    const h = await getJson(lastT == null ? 'history' : 'history?since=' + lastT);
    const fresh = (h.samples || []).filter((s) => lastT == null || s.t > lastT);
    samples.push(...fresh);
    if (samples.length > KEEP) samples.splice(0, samples.length - KEEP);
    if (samples.length) lastT = samples[samples.length - 1].t;
    drawCharts();
  }

  function showBanner() {
    const why = Object.values(failures);
    const banner = $('conn-banner');
    banner.hidden = why.length === 0;
    if (why.length === 0) return;
    if (why.some((e) => e.status === 401)) {
      banner.textContent = 'Not authorised: the token cookie is missing or wrong — open /?token=… again. Retrying…';
    } else {
      const since = lastOk ? ` (last update ${clock(lastOk)})` : '';
      const ended = TERMINAL.has(lastPhase) ? ` — the run's last phase was "${lastPhase}"` : '';
      banner.textContent = `Connection lost — retrying every ${POLL_MS / 1000} s${since}${ended}`;
    }
  }

  // each poll runs again 2 s after it finished, so a slow server never gets requests piled up
  function every(name, poll) {
    const run = async () => {
      try {
        await poll();
        delete failures[name];
      } catch (e) {
        failures[name] = e;
      }
      showBanner();
      setTimeout(run, POLL_MS);
    };
    run();
  }

  window.addEventListener('resize', drawCharts);
  every('status', pollStatus);
  every('history', pollHistory);
})();
