// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Trace: the waterfall of the spans, nested by parent, coloured by
// service, with durations, error marks and a marker for each log line a
// span wrote; a side panel for the selected span with its attributes and
// exactly its log lines; and every line of the trace in one timeline.
import { h, fill, fmtDuration, fmtTime, plural, svcClass, TRACE_ID, SPAN_ID } from '../dom.js';
import { get } from '../api.js';
import { errorBanner, load, logLine, linksOf, sevClass, truncatedNote } from './common.js';

// How many log markers one span row draws; the count says the rest.
const MAX_MARKS = 24;
// The trace's timeline renders this many lines at a time, more on scroll.
const CHUNK = 200;
// The waterfall draws this many rows at once, and the rest in later
// frames of ROW_CHUNK, so that the first screen does not wait for them.
const FIRST_ROWS = 120;
const ROW_CHUNK = 400;
// The most lines the API gives for one trace.
const TRACE_LOG_LIMIT = 20000;

export async function tracePage(main, url, ctx) {
  const traceId = decodeURIComponent(url.pathname.slice('/trace/'.length)).toLowerCase();
  if (!TRACE_ID.test(traceId)) {
    fill(main, h('h1', null, 'Trace'), h('div', { class: 'banner banner-error', role: 'alert' },
      'A trace id is 32 hexadecimal digits; this URL does not hold one.'));
    return null;
  }
  const head = h('div');
  fill(main, h('h1', null, 'Trace ', h('code', null, traceId)), head);
  const [trace, logs] = await Promise.all([
    load(head, 'the trace', () => get(`traces/${traceId}`, null, ctx.signal)),
    get(`traces/${traceId}/logs`, { limit: TRACE_LOG_LIMIT }, ctx.signal).catch((err) => ({ err })),
  ]);
  performance.mark('hypha:trace-fetched');
  // The user may have gone on while the stores answered.
  if (ctx.signal.aborted) return null;
  if (trace && !(trace.spans || []).length) {
    fill(head, h('div', { class: 'banner banner-info not-found', role: 'status' },
      h('strong', null, `Trace ${traceId} has no spans.`), h('p', null, 'A store can take a few seconds to show new data.')));
  }
  if (!trace || !(trace.spans || []).length) {
    main.setAttribute('data-rendered', 'error');
    return null;
  }
  const view = new TraceView(main, trace, logs, ctx);
  view.select(url.searchParams.get('span'), false);
  main.setAttribute('data-rendered', 'trace');
  performance.mark('hypha:trace-built');
  // After the next frame: the first screen has been painted.
  requestAnimationFrame(() => setTimeout(() => performance.mark('hypha:trace-rendered')));
  return { update: (u) => u.pathname === url.pathname && (view.select(u.searchParams.get('span'), false), true) };
}

// tsMs turns RFC3339Nano into milliseconds since the epoch, keeping the
// digits below the millisecond that Date.parse drops.
function tsMs(iso) {
  const base = Date.parse(iso);
  const m = /\.(\d{4,9})/.exec(iso || '');
  return m ? base + Number(m[1].slice(3).padEnd(6, '0')) / 1e6 : base;
}

// order walks the spans depth first, children by start time; spans whose
// parent is missing start trees of their own.
function order(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const kids = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      if (!kids.has(s.parentSpanId)) kids.set(s.parentSpanId, []);
      kids.get(s.parentSpanId).push(s);
    } else roots.push(s);
  }
  const byStart = (a, b) => a._t0 - b._t0;
  roots.sort(byStart);
  const out = [];
  const seen = new Set();
  const stack = roots.reverse().map((s) => [s, 0]);
  while (stack.length) {
    const [s, depth] = stack.pop();
    if (seen.has(s.spanId)) continue;
    seen.add(s.spanId);
    out.push([s, depth]);
    const c = (kids.get(s.spanId) || []).sort(byStart);
    for (let i = c.length - 1; i >= 0; i--) stack.push([c[i], depth + 1]);
  }
  return out;
}

class TraceView {
  constructor(main, trace, logs, ctx) {
    this.trace = trace;
    this.ctx = ctx;
    this.traceId = trace.traceId;
    this.spans = new Map();
    for (const s of trace.spans || []) {
      s._t0 = tsMs(s.start);
      s._dur = Number.isFinite(s.durationMs) ? s.durationMs : tsMs(s.end) - s._t0;
      this.spans.set(s.spanId, s);
    }
    const all = [...this.spans.values()];
    this.t0 = Math.min(...all.map((s) => s._t0));
    this.total = Math.max(1e-3, Math.max(...all.map((s) => s._t0 + s._dur)) - this.t0);
    this.logs = logs?.err ? null : (logs?.lines || []);
    for (const l of this.logs || []) l._ms = tsMs(l.time);
    this.rows = new Map();
    this.main = main;
    this.markers = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        this.markers.unobserve(e.target);
        this.drawMarks(e.target);
      }
    }, { rootMargin: '400px 0px' });
    ctx.signal.addEventListener('abort', () => this.markers.disconnect());
    this.panel = h('aside', { class: 'span-panel', hidden: true, 'aria-label': 'selected span' });
    const services = [...new Set(all.map((s) => s.service))].sort();
    const errors = all.filter((s) => s.status?.code === 'ERROR').length;
    fill(main, h('h1', null, 'Trace ', h('code', null, this.traceId)),
      h('p', { class: 'summary' },
        `${all.length} spans · ${services.length} services · ${fmtDuration(this.total)} · `,
        h('span', { class: errors ? 'errors' : 'errors none' }, plural(errors, 'error')), ' · ',
        this.logs ? plural(this.logs.length, 'log line') : 'log lines unavailable', ' ',
        linksOf(trace.links)),
      h('p', { class: 'legend' }, services.map((s) => h('span', { class: 'legend-item' }, h('span', { class: `dot ${svcClass(s)}` }), s))),
      logs?.err ? errorBanner(logs.err) : truncatedNote(logs, 'log lines of the trace'),
      h('div', { class: 'trace-layout' }, this.waterfall(), this.panel),
      h('h2', null, 'All logs of this trace'),
      this.timeline());
  }

  waterfall() {
    const perSpan = new Map();
    for (const l of this.logs || []) {
      if (!this.spans.has(l.spanId)) continue;
      if (!perSpan.has(l.spanId)) perSpan.set(l.spanId, []);
      perSpan.get(l.spanId).push(l);
    }
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
      const t = h('span', { class: `tick${f === 0 ? ' first' : ''}${f === 1 ? ' last' : ''}` }, fmtDuration(f * this.total));
      t.style.left = `${f * 100}%`;
      return t;
    });
    const list = h('div', { class: 'wf-rows' });
    // One listener for every row.
    const choose = (e) => {
      const row = e.target.closest('.span-row');
      if (!row || (e.type === 'keydown' && e.key !== 'Enter')) return;
      this.select(row.dataset.spanId, true);
    };
    list.addEventListener('click', choose);
    list.addEventListener('keydown', choose);
    this.pending = order([...this.spans.values()]);
    this.perSpan = perSpan;
    this.list = list;
    this.drawRows(FIRST_ROWS);
    // Each further chunk waits for a paint, so that the first screen is
    // painted before any of them, and scrolling stays smooth meanwhile.
    const afterPaint = (f) => requestAnimationFrame(() => setTimeout(f));
    const more = () => {
      if (!this.pending.length) {
        performance.mark('hypha:trace-complete');
        this.main.setAttribute('data-complete', '');
        return;
      }
      this.drawRows(ROW_CHUNK);
      afterPaint(more);
    };
    afterPaint(more);
    return h('div', { class: 'waterfall', role: 'list' },
      h('div', { class: 'wf-head' }, h('span', { class: 'span-label' }, 'Service · operation'), h('span', { class: 'span-track ticks' }, ticks)),
      list);
  }

  // drawRows adds the next n rows of the waterfall.
  drawRows(n) {
    const part = this.pending.splice(0, n);
    const frag = document.createDocumentFragment();
    for (const [s, depth] of part) frag.append(this.row(s, depth, this.perSpan.get(s.spanId) || []));
    this.list.append(frag);
  }

  row(s, depth, lines) {
    const pct = (ms) => `${Math.min(100, Math.max(0, (ms / this.total) * 100))}%`;
    const cls = svcClass(s.service);
    const bar = el('span', `span-bar ${cls}`);
    bar.style.left = pct(s._t0 - this.t0);
    bar.style.width = pct(Math.max(s._dur, this.total / 1000));
    const err = s.status?.code === 'ERROR';
    const label = el('span', 'span-label');
    if (err) label.append(h('span', { class: 'err-mark', title: s.status.message || 'error' }, '!'));
    label.append(el('span', `svc ${cls}`, s.service), el('span', 'op', s.name));
    label.style.paddingLeft = `${0.3 + Math.min(depth, 40) * 0.7}em`;
    // Past 80% of the track the duration goes inside the bar's end, so
    // that it does not run into the log count.
    const end = s._t0 - this.t0 + s._dur;
    const dur = el('span', end / this.total > 0.8 ? 'span-dur inside' : 'span-dur', fmtDuration(s._dur));
    dur.style.left = pct(end);
    const track = el('span', 'span-track');
    track.append(bar, dur);
    if (lines.length) track.append(h('span', { class: 'log-count', title: `${lines.length} log lines` }, `${lines.length} ✎`));
    const row = el('div', err ? 'span-row error' : 'span-row');
    row.setAttribute('role', 'listitem');
    row.tabIndex = 0;
    row.dataset.spanId = s.spanId;
    row.dataset.service = s.service;
    row.dataset.logs = String(lines.length);
    row.dataset.errorLogs = String(lines.filter((l) => sevClass(l.severity) === 'sev sev-error').length);
    row.append(label, track);
    this.rows.set(s.spanId, row);
    if (lines.length) this.markers.observe(row);
    return row;
  }

  // drawMarks adds a row's log markers, once the row comes near the
  // screen: a large trace has one per line, tens of thousands in all.
  drawMarks(row) {
    const lines = this.perSpan.get(row.dataset.spanId) || [];
    const track = row.querySelector('.span-track');
    for (let i = 0; i < lines.length && i < MAX_MARKS; i++) {
      const m = el('span', `log-mark ${sevClass(lines[i].severity)}`);
      m.style.left = `${Math.min(100, Math.max(0, ((lines[i]._ms - this.t0) / this.total) * 100))}%`;
      track.append(m);
    }
  }

  // select shows a span in the side panel; push adds a history entry, so
  // that the URL names the span and back returns to the one before.
  select(spanId, push) {
    const id = SPAN_ID.test(spanId || '') && this.spans.has(spanId) ? spanId : null;
    if (push && id !== this.selected) {
      this.ctx.navigate(`/trace/${this.traceId}${id ? `?span=${id}` : ''}`);
      return;
    }
    this.rows.get(this.selected)?.classList.remove('selected');
    this.selected = id;
    this.panelCtrl?.abort();
    if (!id) {
      this.panel.hidden = true;
      if (spanId) this.panel.before(h('div', { class: 'banner banner-info', role: 'status' }, `Span ${spanId} is not in this trace.`));
      return;
    }
    if (!this.rows.has(id)) this.drawRows(this.pending.length);
    const row = this.rows.get(id);
    row.classList.add('selected');
    row.scrollIntoView({ block: 'nearest' });
    this.panelCtrl = new AbortController();
    this.showPanel(this.spans.get(id), this.panelCtrl.signal);
  }

  async showPanel(s, signal) {
    const attrs = Object.entries(s.attributes || {}).sort(([a], [b]) => a.localeCompare(b));
    const logsEl = h('div', { class: 'span-logs' });
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
    close.addEventListener('click', () => this.select(null, true));
    fill(this.panel, close,
      h('h2', null, h('span', { class: `dot ${svcClass(s.service)}` }), s.name),
      h('table', { class: 'kv' }, h('tbody', null,
        kv('service', s.service), kv('kind', s.kind), kv('status', [s.status?.code, s.status?.message].filter(Boolean).join(': ')),
        kv('start', fmtTime(s.start)), kv('duration', fmtDuration(s._dur)), kv('span id', s.spanId), kv('parent', s.parentSpanId))),
      // The lines come before the attributes: they are why one opens a span.
      h('h3', null, 'Logs for this span'), logsEl,
      attrs.length ? [h('h3', null, 'Attributes'), h('table', { class: 'kv attrs' }, h('tbody', null, attrs.map(([k, v]) => kv(k, v))))] : null,
      (s.events || []).length ? [h('h3', null, 'Events'), h('ul', { class: 'events' }, s.events.map((ev) =>
        h('li', null, h('time', null, fmtTime(ev.time)), ' ', h('strong', null, ev.name),
          Object.entries(ev.attributes || {}).map(([k, v]) => h('span', { class: 'ev-attr' }, ` ${k}=${v}`)))))] : null);
    this.panel.hidden = false;
    const resp = await load(logsEl, 'the span\'s log lines', () => get(`traces/${this.traceId}/logs`, { spanId: s.spanId }, signal));
    if (!resp || signal.aborted) return;
    const lines = resp.lines || [];
    fill(logsEl, truncatedNote(resp, 'lines of the span'),
      h('p', { class: 'summary' }, `${lines.length} lines, oldest first`),
      lines.length ? h('div', { class: 'lines' }, lines.map((l) => logLine(l, { trace: false, open: true })))
        : h('p', { class: 'empty' }, 'This span wrote no log lines that the store holds. A store can take a few seconds to show new data.'));
    logsEl.setAttribute('data-loaded', String(lines.length));
  }

  // timeline lists every line of the trace, oldest first, CHUNK at a time.
  timeline() {
    if (!this.logs) return h('p', { class: 'empty' }, 'The log store did not answer; see above.');
    if (!this.logs.length) return h('p', { class: 'empty' }, 'The log store holds no lines for this trace yet. A store can take a few seconds to show new data.');
    const list = h('div', { class: 'lines timeline' });
    const more = h('button', { type: 'button', class: 'more' });
    let shown = 0;
    const next = () => {
      const part = this.logs.slice(shown, shown + CHUNK);
      list.append(...part.map((l) => this.timelineLine(l)));
      shown += part.length;
      more.hidden = shown >= this.logs.length;
      more.textContent = `Show ${Math.min(CHUNK, this.logs.length - shown)} more of ${this.logs.length - shown}`;
    };
    more.addEventListener('click', next);
    next();
    if ('IntersectionObserver' in window) {
      new IntersectionObserver((es) => { if (es.some((e) => e.isIntersecting) && !more.hidden) next(); }).observe(more);
    }
    return h('div', null, list, more);
  }

  timelineLine(l) {
    const el = logLine(l, { trace: false, clock: true });
    const span = this.spans.get(l.spanId);
    const offset = h('span', { class: 'offset' }, `+${fmtDuration(Math.max(0, l._ms - this.t0))}`);
    const head = el.firstChild;
    head.insertBefore(offset, head.children[1]);
    if (span) {
      const b = h('button', { type: 'button', class: 'btn span-btn', title: 'select this span' }, span.name);
      b.addEventListener('click', (e) => { e.stopPropagation(); this.select(span.spanId, true); });
      head.append(b);
    }
    return el;
  }
}

// el is h() for the waterfall's many plain elements: a class and text.
function el(tag, cls, text) {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function kv(k, v) {
  if (v === undefined || v === null || v === '') return null;
  return h('tr', null, h('th', null, k), h('td', null, String(v)));
}

