// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Parts shared by the pages: banners, the loading note, log lines.
import { h, fill, link, extLink, fmtTime, svcClass, TRACE_ID, SPAN_ID } from '../dom.js';
import { RANGES } from '../api.js';

// errorBanner says what failed and, for a store, which one: the server
// names it in every error answer.
export function errorBanner(err) {
  if (err?.name === 'AbortError') return null;
  const store = err?.storeName || err?.store || '';
  // The server's message may already start with the store's name.
  const msg = store && err.message.startsWith(`${store}: `) ? err.message.slice(store.length + 2) : err?.message;
  let text;
  if (err?.status === 504) text = `${store || 'A store'} did not answer in time: ${msg}`;
  else if (err?.status === 502) text = `${store || 'A store'} cannot be reached: ${msg}`;
  else if (store) text = `${store}: ${msg}`;
  else text = String(err?.message || err);
  return h('div', { class: 'banner banner-error', role: 'alert', 'data-store': store }, text);
}

export function notFoundBanner(err) {
  return h('div', { class: 'banner banner-info not-found', role: 'status' },
    h('strong', null, err.message || 'Not found'),
    err.hint ? h('p', { text: err.hint }) : null);
}

// truncatedNote tells when a limit cut the answer.
export function truncatedNote(resp, what) {
  if (!resp?.truncated) return null;
  const n = resp.limit ? ` of ${resp.limit}` : '';
  return h('div', { class: 'banner banner-warn truncated', role: 'status' },
    `Only the first ${what}${n} are shown: the limit cut the answer. Narrow the time range or the search to see the rest.`);
}

export function loading(what) {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

// load runs fetch and shows a loading note in el until it settles; on an
// error it shows the banner instead and returns undefined.
export async function load(el, what, fetcher) {
  fill(el, loading(what));
  try {
    const v = await fetcher();
    el.replaceChildren();
    return v;
  } catch (err) {
    if (err?.name === 'AbortError' || err === 'page') return undefined;
    fill(el, err?.notFound ? notFoundBanner(err) : errorBanner(err));
    return undefined;
  }
}

export function rangeSelect(value, name = 'range') {
  return h('select', { name, 'aria-label': 'time range' },
    RANGES.map(([k]) => h('option', { value: k, selected: k === value }, `last ${k}`)));
}

export function sevClass(sev) {
  const s = String(sev || '').toUpperCase();
  if (/^(ERROR|FATAL|CRITICAL|ALERT|EMERG)/.test(s)) return 'sev sev-error';
  if (/^WARN/.test(s)) return 'sev sev-warn';
  if (/^(DEBUG|TRACE)/.test(s)) return 'sev sev-debug';
  return 'sev sev-info';
}

export function traceHref(traceId, spanId) {
  if (!TRACE_ID.test(traceId || '')) return null;
  return `/trace/${traceId}${SPAN_ID.test(spanId || '') ? `?span=${spanId}` : ''}`;
}

// logLine renders one line: time, severity, service, body; a click opens
// every field. opts.trace: show the Trace button; opts.clock: time only.
export function logLine(line, opts = {}) {
  const fields = h('div', { class: 'fields', hidden: true });
  const href = opts.trace === false ? null : traceHref(line.traceId, line.spanId);
  const row = h('div', { class: 'line-head', role: 'button', tabindex: '0', 'aria-expanded': 'false' },
    h('time', { class: 'ts', datetime: line.time, title: line.time }, opts.clock ? fmtTime(line.time).slice(11) : fmtTime(line.time)),
    h('span', { class: sevClass(line.severity) }, line.severity || '—'),
    h('span', { class: `svc ${svcClass(line.service)}` }, line.service || '—'),
    h('span', { class: 'body' }, line.body ?? ''),
    href ? link(href, 'Trace', 'btn btn-trace') : null);
  const el = h('div', { class: 'line', 'data-trace-id': line.traceId || null, 'data-span-id': line.spanId || null }, row, fields);
  const toggle = (e) => {
    if (e.target.closest('a')) return;
    if (e.type === 'keydown' && e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    const open = fields.hidden;
    if (open && !fields.firstChild) fill(fields, fieldsTable(line));
    fields.hidden = !open;
    row.setAttribute('aria-expanded', String(open));
    el.classList.toggle('open', open);
  };
  row.addEventListener('click', toggle);
  row.addEventListener('keydown', toggle);
  if (opts.open) toggle({ type: 'click', target: row, preventDefault() {} });
  return el;
}

export function fieldsTable(line) {
  const rows = [['time', line.time], ['severity', line.severity], ['service', line.service],
    ['trace id', line.traceId], ['span id', line.spanId], ['body', line.body]];
  for (const k of Object.keys(line.fields || {}).sort()) rows.push([k, line.fields[k]]);
  const links = linksOf(line.links);
  return [h('table', { class: 'kv' }, h('tbody', null, rows.filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, String(v)))))),
  links.length ? h('p', { class: 'links' }, links) : null];
}

// linksOf shows the Grafana and Jaeger UI links the server built, when
// their base URLs are configured.
export function linksOf(links) {
  const out = [];
  if (links?.grafana) out.push(extLink(links.grafana, 'Open in Grafana Explore'));
  if (links?.jaeger) out.push(extLink(links.jaeger, 'Open in Jaeger UI'));
  return out;
}

export function logList(lines, opts) {
  return h('div', { class: 'lines' }, lines.map((l) => logLine(l, opts)));
}

// formQuery turns a form's fields into a query string, leaving empty ones out.
export function formQuery(form) {
  const q = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim() !== '') q.set(k, String(v).trim());
  return q.toString();
}
