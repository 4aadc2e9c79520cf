// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Trace search: by service, operation, minimum duration and errors only.
import { h, fill, link, fmtDuration, fmtTime, svcClass } from '../dom.js';
import { get, timeRange } from '../api.js';
import { formQuery, load, rangeSelect, truncatedNote } from './common.js';

export async function tracesPage(main, url, ctx) {
  const q = url.searchParams;
  const service = h('select', { name: 'service' }, h('option', { value: '' }, 'any'));
  const operation = h('select', { name: 'operation' }, h('option', { value: '' }, 'any'));
  const form = h('form', { class: 'toolbar search' },
    h('label', null, 'Service ', service),
    h('label', null, 'Operation ', operation),
    h('label', null, 'Min duration ', h('input', { name: 'minDuration', value: q.get('minDuration') || '', placeholder: 'e.g. 250ms', size: 8 })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'errorsOnly', value: 'true', checked: q.get('errorsOnly') === 'true' }), ' errors only'),
    h('label', null, 'Range ', rangeSelect(q.get('range') || '1h')),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate(`/traces?${formQuery(form)}`);
  });
  const loadOps = (svc, want) => {
    fill(operation, h('option', { value: '' }, 'any'));
    if (!svc) return;
    get('operations', { service: svc }, ctx.signal).then((r) => {
      for (const op of r.operations || []) operation.append(h('option', { value: op, selected: op === want }, op));
    }).catch(() => {});
  };
  service.addEventListener('change', () => loadOps(service.value, ''));
  const body = h('div');
  fill(main, h('h1', null, 'Traces'), form, body);
  get('services', null, ctx.signal).then((r) => {
    const names = new Set(r.services || []);
    if (q.get('service')) names.add(q.get('service'));
    for (const s of [...names].sort()) service.append(h('option', { value: s, selected: s === q.get('service') }, s));
    loadOps(q.get('service'), q.get('operation'));
  }).catch(() => {});
  // Jaeger searches one service at a time.
  if (!q.get('service')) {
    fill(body, h('p', { class: 'empty' }, 'Pick a service to search its traces.'));
    return;
  }
  const { start, end } = timeRange(q);
  const resp = await load(body, 'traces', () => get('traces', {
    service: q.get('service'), operation: q.get('operation'), minDuration: q.get('minDuration'),
    errorsOnly: q.get('errorsOnly') === 'true', start, end, limit: q.get('limit'),
  }, ctx.signal));
  if (!resp) return;
  const traces = resp.traces || [];
  fill(body, truncatedNote(resp, 'traces'),
    traces.length ? h('table', { class: 'grid traces' },
      h('thead', null, h('tr', null, ['Trace', 'Start', 'Duration', 'Spans', 'Errors', 'Services'].map((t) => h('th', null, t)))),
      h('tbody', null, traces.map((t) => h('tr', { class: t.errorCount ? 'error' : null, 'data-trace-id': t.traceId },
        h('td', null, link(`/trace/${encodeURIComponent(t.traceId)}`, `${t.rootService}: ${t.rootName}`), h('div', { class: 'id' }, t.traceId)),
        h('td', null, fmtTime(t.start)),
        h('td', { class: 'num' }, fmtDuration(t.durationMs)),
        h('td', { class: 'num' }, String(t.spanCount)),
        h('td', { class: t.errorCount ? 'num errors' : 'num' }, String(t.errorCount)),
        h('td', null, (t.services || []).map((s) => h('span', { class: `svc ${svcClass(s)}` }, s)))))))
      : h('p', { class: 'empty' }, 'No traces match. A store can take a few seconds to show new data.'));
}
