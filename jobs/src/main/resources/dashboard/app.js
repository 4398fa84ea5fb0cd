// modelwatch dashboard: plain JavaScript, no build step, no third-party code. The server pushes
// changes as server-sent events (a "snapshot" on every connect, then "model", "trigger" and
// "feed"); the charts are inline SVG. Every text from Kafka goes into the page through
// textContent, never as HTML: model ids and feature names come from producers.
'use strict';

(function () {
  const MAX_ROWS = 500;        // rows rendered at once; the filter narrows the rest
  const MAX_SERIES = 6;        // feature lines in the drift chart (the strongest ones)
  const MAX_FEATURE_ROWS = 60; // rows of the latest-window table
  const SVG = 'http://www.w3.org/2000/svg';
  // Okabe-Ito: distinguishable with every common colour-vision deficiency.
  const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8c6d31'];
  const STATUS_RANK = { DRIFTING: 0, OK: 2, ACCUMULATING: 3, WARMING_UP: 4 };
  const STATUS_LABEL = {
    DRIFTING: 'DRIFTING', OK: 'OK', ACCUMULATING: 'ACCUMULATING', WARMING_UP: 'WARMING UP',
  };
  const QUALITY = [
    ['missingValues', 'missing values'],
    ['lateEvents', 'late events'],
    ['unknownFeatureValues', 'unknown features'],
    ['typeMismatches', 'type mismatches'],
    ['featuresOverCap', 'features over cap'],
  ];

  const state = {
    models: new Map(), // key -> row summary
    counts: {},
    feed: {},
    source: {},
    selected: null,    // key of the model version shown below the table
    userChose: false,  // the reader picked a model (so no automatic choice any more)
    detail: null,      // {summary, latest, points, triggers} of the selected model
    filter: '',
    reports: 0,
  };

  const $ = (id) => document.getElementById(id);
  const keyOf = (m) => m.modelId + '\u001f' + m.modelVersion;

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'text') e.textContent = v;
      else e.setAttribute(k, String(v));
    }
    for (const c of children.flat()) if (c) e.append(c);
    return e;
  }

  const num = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'));
  const fixed = (n, d) => (n === undefined || n === null || !isFinite(n) ? '–' : Number(n).toFixed(d));
  const signalName = (s) => (s.startsWith('feature:') ? s.slice('feature:'.length) : s);

  function utc(iso, withDate) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const s = d.toISOString();
    return (withDate ? s.slice(5, 10) + ' ' : '') + s.slice(11, 16);
  }

  function statusBadge(status) {
    const s = status || 'NO_REPORT';
    return el('span', { class: 'badge status status-' + s, 'data-status': s }, STATUS_LABEL[s] || 'NO REPORT');
  }

  function severityBadge(sev) {
    return el('span', { class: 'badge severity severity-' + (sev || 'NONE') }, sev || '');
  }

  // ------------------------------------------------------------------ live updates

  let source = null;

  function connect() {
    setConnection('connecting', 'connecting…');
    source = new EventSource('api/events');
    source.addEventListener('open', () => setConnection('live', 'live'));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        setConnection('down', 'disconnected: retrying');
        source.close();
        setTimeout(connect, 3000);
      } else {
        setConnection('reconnecting', 'reconnecting…');
      }
    });
    source.addEventListener('snapshot', (e) => {
      const d = JSON.parse(e.data);
      state.models.clear();
      for (const m of d.models) state.models.set(keyOf(m), m);
      state.counts = d.counts || {};
      state.reports = state.counts.reports || 0;
      state.feed = d.feed || {};
      state.source = d.source || {};
      setConnection('live', 'live');
      renderSource();
      if (state.selected && state.models.has(state.selected)) loadDetail(state.selected);
      else chooseDefault();
      scheduleRender();
    });
    source.addEventListener('model', (e) => {
      const d = JSON.parse(e.data);
      const k = keyOf(d.summary);
      state.models.set(k, d.summary);
      state.reports++;
      if (k === state.selected && state.detail) {
        state.detail.summary = d.summary;
        mergePoint(state.detail.points, d.point);
        renderDetail();
        refreshDetailSoon(); // the full latest report, for the table of signals
      } else if (!state.selected) {
        chooseDefault();
      }
      scheduleRender();
    });
    source.addEventListener('trigger', (e) => {
      const d = JSON.parse(e.data);
      const k = keyOf(d.summary);
      state.models.set(k, d.summary);
      if (k === state.selected && state.detail) {
        state.detail.summary = d.summary;
        const ts = state.detail.triggers;
        if (!ts.some((t) => t.triggerId === d.trigger.triggerId)) ts.push(d.trigger);
        renderDetail();
      }
      scheduleRender();
    });
    source.addEventListener('feed', (e) => {
      state.feed = JSON.parse(e.data);
      renderSource();
    });
  }

  function setConnection(kind, text) {
    const c = $('connection');
    c.dataset.state = kind;
    $('connection-text').textContent = text;
  }

  function mergePoint(points, p) {
    const i = points.findIndex((q) => q.windowEnd === p.windowEnd);
    if (i >= 0) points[i] = p;
    else {
      points.push(p);
      points.sort((a, b) => (a.windowEnd < b.windowEnd ? -1 : a.windowEnd > b.windowEnd ? 1 : 0));
    }
  }

  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => {
      renderTimer = null;
      renderCounts();
      renderTable();
    }, 60);
  }

  // ------------------------------------------------------------------ overview

  function renderSource() {
    const s = state.source;
    $('source').textContent = s.bootstrapServers
      ? `${s.healthTopic} and ${s.triggersTopic} on ${s.bootstrapServers}` : '';
    const f = state.feed;
    const feed = $('feed');
    feed.dataset.state = f.state || '';
    feed.textContent = f.state && f.state !== 'reading' ? `Kafka: ${f.message}` : '';
  }

  function renderCounts() {
    let drifting = 0, ok = 0, learning = 0, triggers = 0;
    for (const m of state.models.values()) {
      if (m.status === 'DRIFTING') drifting++;
      else if (m.status === 'OK') ok++;
      else learning++;
      triggers += m.triggerCount || 0;
    }
    const item = (n, label, cls) => el('li', { class: cls }, el('strong', {}, num(n)), ' ', label);
    $('counts').replaceChildren(
      item(state.models.size, state.models.size === 1 ? 'model version' : 'model versions', 'count-all'),
      item(drifting, 'drifting', 'count-drifting' + (drifting ? ' alert' : '')),
      item(ok, 'OK', 'count-ok'),
      item(learning, 'warming up or accumulating', 'count-learning'),
      item(triggers, triggers === 1 ? 'retraining trigger' : 'retraining triggers', 'count-triggers'),
      item(state.reports, 'health reports read', 'count-reports'),
    );
  }

  // ------------------------------------------------------------------ the table

  function byPriority(a, b) {
    const ra = STATUS_RANK[a.status] ?? 5, rb = STATUS_RANK[b.status] ?? 5;
    if (ra !== rb) return ra - rb;
    if (a.modelId !== b.modelId) return a.modelId < b.modelId ? -1 : 1;
    return a.modelVersion < b.modelVersion ? -1 : a.modelVersion > b.modelVersion ? 1 : 0;
  }

  function sortedRows() {
    const f = state.filter.toLowerCase();
    return [...state.models.values()]
      .filter((m) => !f || m.modelId.toLowerCase().includes(f) || m.modelVersion.toLowerCase().includes(f))
      .sort(byPriority);
  }

  function renderTable() {
    const rows = sortedRows();
    const shown = rows.slice(0, MAX_ROWS);
    $('models-body').replaceChildren(...shown.map(row));
    let note = '';
    if (state.models.size === 0) note = 'No health reports yet: they appear here as the job writes them.';
    else if (rows.length > MAX_ROWS) note = `Showing ${MAX_ROWS} of ${rows.length} matching model versions: filter to narrow.`;
    else if (rows.length < state.models.size) note = `${rows.length} of ${state.models.size} model versions match.`;
    if (state.counts.evicted) note += ` ${num(state.counts.evicted)} model versions updated longest ago were dropped (the dashboard keeps ${num(state.counts.maxModels)}).`;
    $('models-note').textContent = note;
  }

  function row(m) {
    const k = keyOf(m);
    const selected = k === state.selected;
    const esc = m.escalation;
    return el('tr', {
      'data-model-id': m.modelId, 'data-model-version': m.modelVersion, 'data-status': m.status || 'NO_REPORT',
      class: selected ? 'selected' : '', 'aria-current': selected ? 'true' : null,
      onclick: (e) => { if (!(e.target instanceof HTMLButtonElement)) select(k, true); },
    },
    el('th', { scope: 'row', class: 'c-model' },
      el('button', { type: 'button', class: 'link', onclick: () => select(k, true),
        'aria-label': `Show ${m.modelId} version ${m.modelVersion}` }, m.modelId)),
    el('td', { class: 'c-version' }, m.modelVersion),
    el('td', { class: 'c-status' }, statusBadge(m.status)),
    el('td', { class: 'c-window', title: m.windowStart ? `${m.windowStart} – ${m.windowEnd}` : '' }, utc(m.windowEnd, true)),
    el('td', { class: 'c-events num' }, num(m.events)),
    el('td', { class: 'c-signals' }, signalChips(m.topSignals || [])),
    el('td', { class: 'c-escalation' }, esc ? escalation(esc) : '–'),
    el('td', { class: 'c-triggers' }, triggerCell(m)),
    );
  }

  function signalChips(all) {
    if (!all.length) return el('span', { class: 'muted' }, '–');
    // Drifted signals as chips; a model without any shows only its strongest, quietly.
    const signals = all.filter((s) => s.drifted);
    if (!signals.length) {
      const s = all[0];
      return el('span', { class: 'muted quiet-signal', title: `${s.signal}: ${s.statistic} ${fixed(s.value, 3)}, threshold ${fixed(s.threshold, 3)}` },
        `closest: ${signalName(s.signal)} ${s.statistic} ${fixed(s.value, 3)} / ${fixed(s.threshold, 3)}`);
    }
    return el('ul', { class: 'chips' }, signals.map((s) => el('li', {
      class: 'chip' + (s.drifted ? ' drifted' : ''),
      title: `${s.signal}: ${s.statistic} ${fixed(s.value, 3)}, threshold ${fixed(s.threshold, 3)}${s.drifted ? ' (drifted)' : ''}`,
    }, el('span', { class: 'chip-name' }, signalName(s.signal)), ' ',
    el('span', { class: 'chip-value' }, `${s.statistic} ${fixed(s.value, 3)} / ${fixed(s.threshold, 3)}`),
    s.drifted ? el('span', { class: 'visually-hidden' }, ' (drifted)') : null)));
  }

  function escalation(esc) {
    const boxes = [];
    for (let i = 0; i < esc.windowsToTrigger; i++) {
      boxes.push(el('span', { class: 'pip' + (i < esc.driftedWindows ? ' on' : '') }));
    }
    // Pips: progress towards a trigger; the text: confirmations of drift within the escalation
    // span, each drifted window counted as its weight (overwhelming evidence counts up to 3).
    return el('span', {
      class: 'escalation',
      title: `${esc.driftedWindows} confirmations of drift within ${esc.within} (a drifted window counts its weight); ${esc.windowsToTrigger} make a trigger`,
    },
    el('span', { class: 'pips', 'aria-hidden': 'true' }, boxes),
    ` ${esc.driftedWindows} counted in ${esc.within}`,
    el('span', { class: 'visually-hidden' }, `; ${esc.windowsToTrigger} make a trigger`));
  }

  function triggerCell(m) {
    if (!m.triggerCount) return el('span', { class: 'muted' }, 'none');
    const t = m.lastTrigger || {};
    return el('span', { class: 'trigger-cell' },
      el('strong', { class: 'trigger-count' }, String(m.triggerCount)), ' · ',
      el('span', { class: 'trigger-reason' }, t.reason || ''), ' ', severityBadge(t.severity),
      el('span', { class: 'muted' }, ` at ${utc(t.detectedAt)}`));
  }

  // ------------------------------------------------------------------ selection and detail

  function chooseDefault() {
    if (state.userChose && state.selected) return;
    const fromHash = parseHash();
    if (fromHash && state.models.has(fromHash)) { select(fromHash, false); return; }
    const first = sortedRows()[0];
    if (first) select(keyOf(first), false);
  }

  function parseHash() {
    const m = /^#model=([^/]*)\/(.*)$/.exec(location.hash);
    if (!m) return null;
    try { return decodeURIComponent(m[1]) + '\u001f' + decodeURIComponent(m[2]); } catch (e) { return null; }
  }

  function select(k, byUser) {
    if (byUser) state.userChose = true;
    if (state.selected !== k) {
      state.selected = k;
      state.detail = null;
      const [id, version] = k.split('\u001f');
      if (byUser) history.replaceState(null, '', '#model=' + encodeURIComponent(id) + '/' + encodeURIComponent(version));
    }
    loadDetail(k);
    scheduleRender();
  }

  let detailSeq = 0;
  async function loadDetail(k) {
    const seq = ++detailSeq;
    const [id, version] = k.split('\u001f');
    try {
      const r = await fetch('api/models/' + encodeURIComponent(id) + '/' + encodeURIComponent(version));
      if (!r.ok) return;
      const d = await r.json();
      if (seq !== detailSeq || state.selected !== k) return;
      // Points or triggers pushed while the request was under way are merged, not lost.
      if (state.detail) {
        for (const p of state.detail.points) if (!d.points.some((q) => q.windowEnd === p.windowEnd)) mergePoint(d.points, p);
        for (const t of state.detail.triggers) if (!d.triggers.some((u) => u.triggerId === t.triggerId)) d.triggers.push(t);
      }
      state.detail = d;
      renderDetail();
    } catch (e) {
      // offline for a moment: the next event or snapshot loads it again
    }
  }

  let refreshTimer = null;
  function refreshDetailSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { if (state.selected) loadDetail(state.selected); }, 400);
  }

  function renderDetail() {
    const d = state.detail;
    const section = $('detail');
    if (!d) { section.hidden = true; return; }
    section.hidden = false;
    const s = d.summary;
    section.dataset.modelId = s.modelId;
    section.dataset.modelVersion = s.modelVersion;
    $('detail-title').textContent = `${s.modelId} · version ${s.modelVersion}`;
    $('detail-status').replaceWith(Object.assign(statusBadge(s.status), { id: 'detail-status' }));
    const l = d.latest;
    $('detail-meta').textContent = l
      ? `Window ${utc(l.windowStart, true)}–${utc(l.windowEnd)} UTC · ${num(l.events)} events · ${num(l.eventsSeen)} seen · `
        + `reference of ${num(l.referenceEvents)} events · thresholds ${l.thresholdsVersion || '–'} · `
        + `${d.points.length} window${d.points.length === 1 ? '' : 's'} kept`
      : 'No health report yet.';
    const points = d.points;
    const domain = timeDomain(points);
    driftChart(points, d.triggers, domain);
    eventsChart(points, domain);
    qualityChart(points, domain);
    performanceChart(points, domain);
    estimatedPerformanceChart(points, d.latest, domain);
    renderTriggers(d.triggers);
    renderFeatures(l, d.latestSignals);
    renderPairs(l);
    renderSegments(points);
    renderPredictionSegments(points);
  }

  // The segments the newest window with a prediction drift names (predictionSegments, most
  // explaining first: docs/detection.md, "Segments of a prediction drift"). An empty list says
  // that no segment stands out: the shift is spread over the traffic.
  function renderPredictionSegments(points) {
    const body = $('prediction-segments-body');
    const latest = [...points].reverse().find((p) => p.predictionSegments
      && Array.isArray(p.predictionSegments.segments));
    if (!latest) {
      $('prediction-segments-meta').textContent = 'No window with a prediction drift was explained.';
      body.replaceChildren();
      return;
    }
    const s = latest.predictionSegments;
    $('prediction-segments-meta').textContent = `Window ${utc(latest.windowStart, true)}–${utc(latest.windowEnd)} UTC · `
      + `${s.quantity} ${fixed(s.referenceMean, 3)} → ${fixed(s.windowMean, 3)} · ${num(s.segmentsTested)} segments tested`
      + (s.segments.length ? '' : ' · no segment stands out');
    body.replaceChildren(...s.segments.map((g) => el('tr', { 'data-segment': g.segment },
      el('td', {}, g.segment),
      el('td', { class: 'num' }, fixed(100 * g.share, 1) + '%'),
      el('td', { class: 'num' }, fixed(g.before, 3)),
      el('td', { class: 'num' }, fixed(g.after, 3)),
      el('td', { class: 'num' }, pValue(g.pValue)),
      el('td', { class: 'num' }, fixed(100 * g.explained, 0) + '%'))));
  }

  // The segments the newest decayed window names (performance.segments, most explaining first:
  // docs/quality.md, "Segments").
  function renderSegments(points) {
    const body = $('segments-body');
    const latest = [...points].reverse().find((p) => p.performance && Array.isArray(p.performance.segments)
      && p.performance.segments.length);
    if (!latest) {
      $('segments-meta').textContent = 'No decayed window names a segment.';
      body.replaceChildren();
      return;
    }
    $('segments-meta').textContent = `Window ${utc(latest.windowStart, true)}–${utc(latest.windowEnd)} UTC`;
    body.replaceChildren(...latest.performance.segments.map((g) => el('tr', { 'data-segment': g.segment },
      el('td', {}, g.segment),
      el('td', { class: 'num' }, fixed(100 * g.share, 1) + '%'),
      el('td', {}, g.metric),
      el('td', { class: 'num' }, fixed(g.before, 3)),
      el('td', { class: 'num' }, fixed(g.after, 3)),
      el('td', {}, g.baseline === 'reference' ? 'its reference' : 'rest of the window'),
      el('td', { class: 'num' }, pValue(g.pValue)),
      el('td', { class: 'num' }, fixed(g.contribution, 3)))));
  }

  function timeDomain(points) {
    if (!points.length) return [0, 1];
    const xs = points.map((p) => Date.parse(p.windowEnd));
    let lo = Math.min(...xs), hi = Math.max(...xs);
    const first = points[0];
    const span = first.windowStart ? Date.parse(first.windowEnd) - Date.parse(first.windowStart) : 60000;
    lo -= span;
    if (hi - lo < 2 * span) hi = lo + 2 * span;
    return [lo, hi];
  }

  // Each point's drift entries are what decides for each signal (ModelStore.signals): a test's
  // effect (ks, linf) with its significance (the adjusted p-value against the false discovery
  // rate; Anderson-Darling or chi-square behind it), or a sequential detector (cusum, ...). The
  // chart draws each as a multiple of what it must reach (ratio: the smaller of effect over its
  // threshold and log p over log alpha), so a point is at or above 1 exactly when it flags; the
  // tooltip gives the raw values.
  const ratioOf = (s) => (s.ratio !== undefined ? s.ratio : s.value / s.threshold);
  const decidingText = (s) => `${s.statistic} ${fixed(s.value, 3)}, threshold ${fixed(s.threshold, 3)}`
    + (s.test ? `; ${s.test.statistic} ${fixed(s.test.value, 2)}`
      + (s.test.threshold !== undefined ? `, critical ${fixed(s.test.threshold, 2)}` : '') : '')
    + (s.pValue !== undefined ? `; adjusted p ${pValue(s.pValue)}` + (s.alpha !== undefined ? ` (level ${pValue(s.alpha)})` : '') : '');
  function driftChart(points, triggers, domain) {
    const byName = new Map();
    points.forEach((p, i) => {
      for (const s of p.drift || []) {
        if (!(s.threshold > 0) && s.ratio === undefined) continue;
        if (!byName.has(s.signal)) {
          const n = points.length;
          byName.set(s.signal, { values: new Array(n).fill(null), titles: new Array(n).fill(null),
            flagged: new Array(n).fill(false), statistics: new Set() });
        }
        const e = byName.get(s.signal);
        e.values[i] = ratioOf(s);
        e.flagged[i] = !!s.drifted;
        e.statistics.add(s.test ? `${s.statistic} + ${s.test.statistic}` : s.statistic);
        e.titles[i] = `${signalName(s.signal)}: ${fixed(ratioOf(s), 2)}× · ${decidingText(s)}`
          + (s.drifted ? ', flagged' : '') + ` · window ending ${utc(p.windowEnd, true)} UTC`;
      }
    });
    const peak = (vals) => Math.max(...vals.map((v) => (v === null ? 0 : v)));
    const features = [...byName.keys()].filter((n) => n !== 'prediction')
      .sort((a, b) => peak(byName.get(b).values) - peak(byName.get(a).values) || (a < b ? -1 : 1))
      .slice(0, MAX_SERIES);
    const named = (n) => `${signalName(n)} (${[...byName.get(n).statistics].join(', ')})`;
    const series = features.map((n, i) => ({ name: named(n), colour: COLOURS[i], ...byName.get(n) }));
    if (byName.has('prediction')) {
      series.push({ name: named('prediction'), colour: '#1d2939', dash: '5 3', ...byName.get('prediction') });
    }
    const bands = points.filter((p) => p.status === 'DRIFTING')
      .map((p) => [Date.parse(p.windowStart || p.windowEnd), Date.parse(p.windowEnd)]);
    const markers = (triggers || []).map((t) => ({ x: Date.parse(t.detectedAt), label: 'trigger' }));
    const th = series.length ? [{ y: 1, label: 'flags at 1×' }] : [];
    lineChart($('drift-chart'), {
      id: 'drift-svg', points, series, domain, thresholds: th, bands, markers, digits: 2, tickSuffix: '×',
      label: `What decides per window, as a multiple of what it must reach (effect and significance, the nearer one): ${series.map((s) => s.name).join(', ') || 'no signals yet'}`,
      empty: 'No drift statistics yet: the reference is still being learned.',
    });
    const legend = series.map((s) => el('li', {}, swatch(s.colour, s.dash), s.name));
    if (th.length) legend.push(el('li', {}, swatch('#b42318', '4 3'), 'flags at 1× (effect past its threshold and p at most the FDR)'));
    if (series.some((s) => s.flagged.some((f) => f))) legend.push(el('li', {}, dotSwatch(), 'flagged'));
    if (bands.length) legend.push(el('li', {}, el('span', { class: 'swatch band-swatch', 'aria-hidden': 'true' }), 'drifting window'));
    if (markers.length) legend.push(el('li', {}, swatch('#7a2e0e', '1 2'), 'trigger'));
    $('drift-legend').replaceChildren(...legend);
  }

  function dotSwatch() {
    return svg('svg', { class: 'swatch', viewBox: '0 0 20 10', 'aria-hidden': 'true', width: 20, height: 10 },
      svg('circle', { class: 'dot flagged', cx: 10, cy: 5, r: 4, fill: '#1d2939' }));
  }

  const pValue = (p) => (p === undefined || p === null ? '–' : p < 0.001 ? Number(p).toExponential(1) : fixed(p, 3));

  function eventsChart(points, domain) {
    lineChart($('events-chart'), {
      id: 'events-svg', points, domain, digits: 0, area: true,
      series: [{ name: 'events', colour: '#0072B2', values: points.map((p) => p.events ?? null) }],
      label: 'Events per window', empty: 'No windows yet.',
    });
  }

  function qualityChart(points, domain) {
    const series = [];
    QUALITY.forEach(([field, name], i) => {
      const values = points.map((p) => (p.quality && p.quality[field] !== undefined ? p.quality[field] : null));
      if (values.some((v) => v)) series.push({ name, colour: COLOURS[(i + 1) % COLOURS.length], values });
    });
    const clean = points.length > 0 && series.length === 0;
    if (clean) series.push({ name: 'all counts', colour: '#009E73', values: points.map(() => 0) });
    lineChart($('quality-chart'), {
      id: 'quality-svg', points, domain, series, digits: 0, label: 'Data-quality counts per window',
      empty: 'No windows yet.',
    });
    const legend = series.map((s) => el('li', {}, swatch(s.colour), s.name));
    if (clean) legend.push(el('li', { class: 'muted' }, 'no missing, late, unknown or mistyped values'));
    $('quality-legend').replaceChildren(...legend);
  }

  function performanceChart(points, domain) {
    const names = [];
    for (const p of points) {
      for (const [k, v] of Object.entries(p.performance || {})) {
        if (typeof v === 'number' && !names.includes(k)) names.push(k);
      }
    }
    const series = names.slice(0, MAX_SERIES).map((n, i) => ({
      name: n, colour: COLOURS[i], values: points.map((p) => (p.performance && typeof p.performance[n] === 'number' ? p.performance[n] : null)),
    }));
    lineChart($('performance-chart'), {
      id: 'performance-svg', points: series.length ? points : [], domain, series, digits: 3,
      label: 'Performance per window', empty: 'No performance yet: it is charted once labels are joined to predictions.',
    });
    $('performance-legend').replaceChildren(...series.map((s) => el('li', {}, swatch(s.colour), s.name)));
  }

  // ------------------------------------------------------------------ estimated and realised performance

  // A score model's accuracy estimated from its scores alone (point.estimated, ModelStore.estimatedPoint;
  // docs/quality.md, estimated performance) with its 95% interval as a band, beside the realised
  // accuracy of the windows whose labels have arrived (point.performance.accuracy). A decayed
  // estimate is a ringed dot; once its labels were assessed the ring says CONFIRMED (filled) or
  // REFUTED (hollow), as the revised report does.
  const ESTIMATED_COLOUR = '#0072B2', REALISED_COLOUR = '#D55E00', REFERENCE_COLOUR = '#667085';
  function estimatedPerformanceChart(points, latest, domain) {
    const figure = $('estimated-figure');
    const est = points.map((p) => (p.estimated && typeof p.estimated.accuracy === 'number' ? p.estimated : null));
    if (!est.some((e) => e)) {
      figure.hidden = true;
      $('estimated-chart').replaceChildren();
      $('estimated-legend').replaceChildren();
      return;
    }
    figure.hidden = false;
    const realised = points.map((p) => (p.performance && typeof p.performance.accuracy === 'number' ? p.performance.accuracy : null));
    const when = (i) => ` · window ending ${utc(points[i].windowEnd, true)} UTC`;
    const verdict = (e) => (e && e.decayed ? (e.realised ? `, decayed: ${e.realised} by the labels` : ', decayed: labels pending') : '');
    const series = [{
      name: 'estimated accuracy', colour: ESTIMATED_COLOUR,
      values: est.map((e) => (e ? e.accuracy : null)),
      flagged: est.map((e) => !!(e && e.decayed)),
      marks: est.map((e) => (e && e.decayed ? (e.realised || 'PENDING') : null)),
      titles: est.map((e, i) => (e ? `estimated accuracy ${fixed(e.accuracy, 3)}`
        + (e.lower !== undefined ? ` (95% ${fixed(e.lower, 3)}–${fixed(e.upper, 3)})` : '') + verdict(e) + when(i) : null)),
    }];
    if (realised.some((v) => v !== null)) {
      series.push({ name: 'realised accuracy', colour: REALISED_COLOUR, values: realised,
        titles: realised.map((v, i) => (v === null ? null : `realised accuracy ${fixed(v, 3)} (labels joined)${when(i)}`)) });
    }
    const lastEst = [...est].reverse().find((e) => e) || {};
    const reference = typeof lastEst.referenceAccuracy === 'number' ? lastEst.referenceAccuracy : null;
    if (reference !== null) {
      series.push({ name: 'reference (estimated)', colour: REFERENCE_COLOUR, dash: '2 3', values: est.map((e) => (e ? reference : null)),
        titles: est.map(() => null), noDots: true });
    }
    const interval = { colour: ESTIMATED_COLOUR, lower: est.map((e) => (e && e.lower !== undefined ? e.lower : null)),
      upper: est.map((e) => (e && e.upper !== undefined ? e.upper : null)) };
    const shown = [...interval.lower, ...interval.upper, ...series.flatMap((s) => s.values)].filter((v) => v !== null);
    const yRange = [Math.max(0, Math.min(...shown) - 0.02), Math.min(1, Math.max(...shown) + 0.02)];
    lineChart($('estimated-chart'), {
      id: 'estimated-svg', points, domain, series, intervals: [interval], digits: 3, yRange,
      label: 'Estimated accuracy (from the scores, 95% interval) and realised accuracy (from labels) per window',
      empty: 'No estimate yet.',
    });
    const decayed = est.filter((e) => e && e.decayed);
    const legend = [
      el('li', {}, swatch(ESTIMATED_COLOUR), 'estimated accuracy'),
      el('li', {}, el('span', { class: 'swatch interval-swatch', 'aria-hidden': 'true' }), '95% interval'),
    ];
    if (series.some((s) => s.name === 'realised accuracy')) legend.push(el('li', {}, swatch(REALISED_COLOUR), 'realised accuracy'));
    if (reference !== null) legend.push(el('li', {}, swatch(REFERENCE_COLOUR, '2 3'), `reference ${fixed(reference, 3)} (estimated)`));
    if (decayed.length) {
      const confirmed = decayed.filter((e) => e.realised === 'CONFIRMED').length;
      const refuted = decayed.filter((e) => e.realised === 'REFUTED').length;
      legend.push(el('li', { class: 'estimated-verdicts' }, dotSwatch(),
        `${decayed.length} decayed: ${confirmed} CONFIRMED, ${refuted} REFUTED, ${decayed.length - confirmed - refuted} awaiting labels`));
    }
    const latestEst = latest && latest.estimatedPerformance;
    const calibration = (latestEst && latestEst.calibration) || lastEst.calibration;
    // histogram-binning names the labels it was fitted on (docs/quality.md, Calibration).
    const fittedOn = latestEst && latestEst.calibrationLabels ? ` (${latestEst.calibrationLabels} labels)` : '';
    if (calibration) legend.push(el('li', { class: 'muted' }, `calibration: ${calibration}${fittedOn}`));
    $('estimated-legend').replaceChildren(...legend);
  }

  function swatch(colour, dash) {
    const s = svg('svg', { class: 'swatch', viewBox: '0 0 20 10', 'aria-hidden': 'true', width: 20, height: 10 },
      svg('line', { x1: 1, y1: 5, x2: 19, y2: 5, stroke: colour, 'stroke-width': 2.5, 'stroke-dasharray': dash }));
    return s;
  }

  // ------------------------------------------------------------------ SVG line chart

  function niceTicks(max, count) {
    if (!(max > 0)) return [0, 1];
    const raw = max / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const ticks = [];
    for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(+v.toFixed(10));
    if (ticks[ticks.length - 1] < max) ticks.push(+(ticks[ticks.length - 1] + step).toFixed(10));
    return ticks;
  }

  function rangeTicks(bottom, top) {
    const step = top - bottom > 0.4 ? 0.1 : 0.05;
    const ticks = [];
    for (let v = Math.floor(bottom / step) * step; v < top + step * 0.999; v += step) ticks.push(+v.toFixed(10));
    return ticks;
  }

  function timeTicks(lo, hi, count) {
    const minute = 60000;
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * minute);
    const step = steps.find((s) => (hi - lo) / s <= count) || steps[steps.length - 1];
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(t);
    return ticks;
  }

  function lineChart(container, o) {
    // Drawn at the container's own pixel width, so text is never scaled down to unreadable.
    const W = Math.max(300, Math.floor(container.clientWidth || 640)), H = o.id === 'drift-svg' ? 280 : 190;
    const m = { l: 52, r: 14, t: 12, b: 26 };
    const iw = W - m.l - m.r, ih = H - m.t - m.b;
    if (!o.points.length || !o.series.length) {
      container.replaceChildren(el('p', { class: 'empty' }, o.empty));
      return;
    }
    const xs = o.points.map((p) => Date.parse(p.windowEnd));
    const [lo, hi] = o.domain;
    let ymax = 0;
    for (const s of o.series) for (const v of s.values) if (v !== null && v > ymax) ymax = v;
    for (const t of o.thresholds || []) ymax = Math.max(ymax, t.y * 1.25);
    // A chart may ask for a y range that does not start at 0 (yRange: [bottom, top]), as the
    // accuracy chart does: a fall from 0.85 to 0.70 is then not squeezed into a sliver.
    const ticks = o.yRange ? rangeTicks(o.yRange[0], o.yRange[1]) : niceTicks(ymax || 1, 4);
    const ytop = ticks[ticks.length - 1];
    const ybot = o.yRange ? ticks[0] : 0;
    const x = (t) => m.l + ((t - lo) / (hi - lo || 1)) * iw;
    const y = (v) => m.t + ih - ((v - ybot) / (ytop - ybot || 1)) * ih;

    const root = svg('svg', {
      id: o.id, viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': o.label,
      'data-points': o.points.length, preserveAspectRatio: 'xMidYMid meet',
    });
    root.append(svg('title', { text: o.label }));
    for (const [a, b] of o.bands || []) {
      root.append(svg('rect', { class: 'band', x: x(a), y: m.t, width: Math.max(2, x(b) - x(a)), height: ih }));
    }
    for (const t of ticks) {
      root.append(svg('line', { class: 'grid', x1: m.l, x2: W - m.r, y1: y(t), y2: y(t) }));
      root.append(svg('text', { class: 'tick', x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end',
        text: fmtTick(t, ytop) + (o.tickSuffix || '') }));
    }
    for (const t of timeTicks(lo, hi, 6)) {
      root.append(svg('line', { class: 'xtick', x1: x(t), x2: x(t), y1: m.t + ih, y2: m.t + ih + 4 }));
      root.append(svg('text', { class: 'tick', x: x(t), y: H - 8, 'text-anchor': 'middle', text: utc(new Date(t).toISOString()) }));
    }
    root.append(svg('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih }));
    for (const th of o.thresholds || []) {
      root.append(svg('line', { class: 'threshold', x1: m.l, x2: W - m.r, y1: y(th.y), y2: y(th.y) }));
      root.append(svg('text', { class: 'threshold-label', x: W - m.r - 4, y: y(th.y) - 5, 'text-anchor': 'end', text: th.label }));
    }
    for (const mk of o.markers || []) {
      if (!(mk.x >= lo && mk.x <= hi)) continue;
      root.append(svg('line', { class: 'marker', x1: x(mk.x), x2: x(mk.x), y1: m.t, y2: m.t + ih }));
      root.append(svg('text', { class: 'marker-label', x: x(mk.x) - 4, y: m.t + 11, 'text-anchor': 'end', text: mk.label }));
    }
    // Interval bands (lower and upper per point), drawn under the lines; a gap breaks the band.
    for (const band of o.intervals || []) {
      let run = [];
      const flush = () => {
        if (run.length) {
          const top = run.map((i) => `${x(xs[i]).toFixed(1)},${y(band.upper[i]).toFixed(1)}`);
          const bottom = run.slice().reverse().map((i) => `${x(xs[i]).toFixed(1)},${y(band.lower[i]).toFixed(1)}`);
          root.append(svg('path', { class: 'interval', fill: band.colour, d: `M${top.join('L')}L${bottom.join('L')}Z` }));
        }
        run = [];
      };
      band.lower.forEach((v, i) => { if (v === null || band.upper[i] === null) flush(); else run.push(i); });
      flush();
    }
    for (const s of o.series) {
      let d = '', open = false;
      s.values.forEach((v, i) => {
        if (v === null) { open = false; return; }
        d += (open ? 'L' : 'M') + x(xs[i]).toFixed(1) + ',' + y(v).toFixed(1);
        open = true;
      });
      if (o.area && d) {
        const first = s.values.findIndex((v) => v !== null);
        const last = s.values.length - 1 - [...s.values].reverse().findIndex((v) => v !== null);
        root.append(svg('path', { class: 'area', fill: s.colour,
          d: `${d}L${x(xs[last]).toFixed(1)},${y(0)}L${x(xs[first]).toFixed(1)},${y(0)}Z` }));
      }
      root.append(svg('path', { class: 'series', d, stroke: s.colour, 'stroke-dasharray': s.dash, 'data-series': s.name }));
      s.values.forEach((v, i) => {
        if (v === null || s.noDots) return;
        const flagged = s.flagged && s.flagged[i];
        const dot = svg('circle', { class: flagged ? 'dot flagged' : 'dot', cx: x(xs[i]).toFixed(1), cy: y(v).toFixed(1),
          r: flagged ? 4 : 2.6, fill: s.colour });
        dot.append(svg('title', { text: (s.titles && s.titles[i])
          || `${s.name} ${fixed(v, o.digits === 0 ? 0 : 3)} · window ending ${utc(o.points[i].windowEnd, true)} UTC` }));
        if (s.marks && s.marks[i]) dot.setAttribute('data-mark', s.marks[i]);
        root.append(dot);
      });
    }
    container.replaceChildren(root);
  }

  function fmtTick(v, top) {
    if (top >= 1000) return Number(v).toLocaleString('en-US');
    if (top >= 10) return String(Math.round(v));
    return String(+v.toFixed(2));
  }

  // ------------------------------------------------------------------ triggers and signals

  function renderTriggers(triggers) {
    const list = $('triggers-list');
    if (!triggers.length) {
      list.replaceChildren(el('li', { class: 'muted empty' }, 'No retraining trigger for this model version.'));
      return;
    }
    const newest = [...triggers].sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : -1));
    list.replaceChildren(...newest.map((t) => el('li', { class: 'trigger', 'data-trigger-id': t.triggerId },
      el('p', { class: 'trigger-head' }, severityBadge(t.severity), ' ',
        el('strong', { class: 'trigger-reason' }, t.reason), ' ',
        el('span', {}, `detected ${utc(t.detectedAt, true)} UTC, evidence since ${utc(t.firstEvidenceAt)} UTC · ${num(t.eventsSeen)} events seen`)),
      el('table', { class: 'evidence' },
        el('caption', { class: 'visually-hidden' }, 'Evidence, strongest first'),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Evidence'), el('th', { scope: 'col' }, 'Statistic'),
          el('th', { scope: 'col', class: 'num' }, 'Value'), el('th', { scope: 'col', class: 'num' }, 'Threshold'),
          el('th', { scope: 'col' }, 'Window end (UTC)'))),
        el('tbody', {}, (t.evidence || []).map((e) => el('tr', {},
          el('td', {}, e.signal), el('td', {}, e.statistic),
          el('td', { class: 'num' }, fixed(e.value, 3)), el('td', { class: 'num' }, fixed(e.threshold, 3)),
          el('td', { title: e.windowEnd }, utc(e.windowEnd)))))),
      el('p', { class: 'trigger-id muted' }, t.triggerId))));
  }

  // One row per feature and the prediction: the statistic that decides (as in ModelStore.signals,
  // sent as latestSignals), its threshold in this window and the test's adjusted p-value.
  function renderFeatures(report, latestSignals) {
    const body = $('features-body');
    if (!report) { body.replaceChildren(); return; }
    const deciding = new Map((latestSignals || []).map((s) => [s.signal, s]));
    const rows = [...(report.features || [])].map((f) => ({ f, signal: f.name, s: deciding.get('feature:' + f.name) }));
    if (report.prediction) rows.push({ f: report.prediction, signal: 'prediction', s: deciding.get('prediction') });
    const strength = (s) => (s ? ratioOf(s) : -1);
    rows.sort((a, b) => strength(b.s) - strength(a.s) || (a.signal < b.signal ? -1 : 1));
    body.replaceChildren(...rows.slice(0, MAX_FEATURE_ROWS).map(({ f, signal, s }) => el('tr', { class: s && s.drifted ? 'drifted' : '' },
      el('th', { scope: 'row' }, signal === 'prediction' ? el('em', {}, 'prediction') : signal),
      el('td', {}, (f.type || '').toLowerCase()),
      el('td', { class: 'c-statistic', title: s ? decidingText(s) : '' }, s ? (s.test ? `${s.statistic} · ${s.test.statistic} ${fixed(s.test.value, 1)}` : s.statistic) : '–'),
      el('td', { class: 'num' }, s ? fixed(s.value, 3) : '–', s && s.drifted ? el('span', { class: 'flag' }, ' ▲ drifted') : null),
      el('td', { class: 'num' }, s ? fixed(s.threshold, 3) : '–'),
      el('td', { class: 'num' }, s ? pValue(s.pValue) : '–'),
      el('td', { class: 'num', title: `${num(f.missing)} of ${num((f.count || 0) + (f.missing || 0))} events` }, num(f.missing)),
      el('td', { class: 'summary' }, summary(f)))));
    if (rows.length > MAX_FEATURE_ROWS) {
      body.append(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, `${rows.length - MAX_FEATURE_ROWS} more signals not shown (no drift).`)));
    }
  }

  // The latest window's pair tests (report.joint, docs/topics.md): flagged pairs first, then the
  // strongest others; the report carries at most five besides the flagged ones.
  function renderPairs(report) {
    const j = report && report.joint;
    const box = $('pairs');
    if (!j || !j.pairs) { box.hidden = true; $('pairs-body').replaceChildren(); return; }
    box.hidden = false;
    const flagged = j.pairs.filter((p) => p.drifted).length;
    $('pairs-meta').textContent = `${num(j.pairsTested)} pair${j.pairsTested === 1 ? '' : 's'} of ${(j.features || []).length} `
      + `joint features tested · ${flagged ? flagged + ' flagged' : 'none flagged'} · `
      + `${j.pairs.length} shown (flagged and strongest)`;
    $('pairs-meta').title = 'Joint features: ' + (j.features || []).join(', ');
    $('pairs-body').replaceChildren(...j.pairs.map((p) => el('tr', { class: p.drifted ? 'drifted' : '' },
      el('th', { scope: 'row' }, `${p.first} × ${p.second}`),
      el('td', { class: 'num', title: `${num(p.referenceCount)} reference events with both` }, fixed(p.reference, 3)),
      el('td', { class: 'num', title: `${num(p.windowCount)} window events with both` }, fixed(p.window, 3)),
      el('td', { class: 'num' }, fixed(p.z, 1)),
      el('td', { class: 'num' }, pValue(p.pValue)),
      el('td', { class: 'num' }, fixed(p.change, 3), p.drifted ? el('span', { class: 'flag' }, ' ▲ drifted') : null),
      el('td', { class: 'num' }, fixed(p.threshold, 3)))));
  }

  function summary(f) {
    if (f.topCategories && f.topCategories.length) {
      const total = f.topCategories.reduce((a, c) => a + c.count, 0) || 1;
      return f.topCategories.slice(0, 3).map((c) => el('span', { class: 'line' },
        `${c.value} ${Math.round((100 * c.count) / (f.count || total))}%`));
    }
    if (f.mean !== undefined && f.mean !== null) {
      const q = f.quantiles;
      return [el('span', { class: 'line' }, `mean ${fixed(f.mean, 2)} ± ${fixed(f.stddev, 2)}`),
        q ? el('span', { class: 'line' }, `p05–p95 ${fixed(q.p05, 2)}–${fixed(q.p95, 2)}`) : null];
    }
    return '–';
  }

  // ------------------------------------------------------------------ start

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(renderDetail, 150);
  });
  $('filter').addEventListener('input', (e) => { state.filter = e.target.value.trim(); scheduleRender(); });
  window.addEventListener('hashchange', () => { const k = parseHash(); if (k && state.models.has(k)) select(k, true); });
  connect();
})();
