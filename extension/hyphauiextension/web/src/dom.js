// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Every value that comes from a log line, a span or the server is put into
// the page as text: h() turns strings into text nodes, attributes are set
// with setAttribute, and nothing here ever assigns innerHTML.

// h builds an element. attrs: class, text, on<event>, and plain attributes;
// children: nodes, strings (as text), arrays, null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'href') el.setAttribute('href', safeHref(v));
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// safeHref keeps links to this UI's own pages and to http(s) URLs the
// backend built (Grafana, Jaeger UI); anything else (javascript:, data:)
// becomes a dead link.
export function safeHref(v) {
  const s = String(v);
  if (s.startsWith('/') && !s.startsWith('//')) return s;
  try {
    const u = new URL(s);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  } catch (_) { /* not a URL */ }
  return '#';
}

// clear empties an element and fills it with new children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// link is an in-app link: the router intercepts it (History API).
export function link(href, text, cls) {
  return h('a', { href, class: cls, 'data-nav': true }, text);
}

// extLink opens another tool in a new tab, without telling it where from.
export function extLink(href, text) {
  return h('a', { href, class: 'ext', target: '_blank', rel: 'noopener noreferrer' }, text);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtTime shows a time as local date and time with milliseconds.
export function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// fmtClock is fmtTime without the date.
export function fmtClock(iso) {
  return fmtTime(iso).slice(11);
}

export function fmtDuration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// svcClass gives a service the same colour on every page.
export function svcClass(name) {
  let x = 0;
  for (const ch of String(name)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return `svc-c${x % 10}`;
}

export const TRACE_ID = /^[0-9a-f]{32}$/;
export const SPAN_ID = /^[0-9a-f]{16}$/;
