// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Logs: search by service, severity, text, trace id and time range.
import { h, fill, link, TRACE_ID } from '../dom.js';
import { get, timeRange } from '../api.js';
import { formQuery, load, logList, rangeSelect, truncatedNote } from './common.js';

const SEVERITIES = ['', 'error', 'warn', 'info', 'debug'];

export async function logsPage(main, url, ctx) {
  const q = url.searchParams;
  const services = h('datalist', { id: 'services' });
  const form = h('form', { class: 'toolbar search' },
    h('label', null, 'Service ', h('input', { name: 'service', list: 'services', value: q.get('service') || '', size: 14 })),
    h('label', null, 'Severity ', h('select', { name: 'severity' },
      SEVERITIES.map((s) => h('option', { value: s, selected: (q.get('severity') || '').toLowerCase() === s }, s || 'any')))),
    h('label', null, 'Text ', h('input', { name: 'q', type: 'search', value: q.get('q') || '', size: 20 })),
    h('label', null, 'Trace id ', h('input', { name: 'traceId', value: q.get('traceId') || '', size: 34, pattern: '[0-9a-fA-F]{32}' })),
    h('label', null, 'Range ', rangeSelect(q.get('range') || '1h')),
    h('button', { type: 'submit' }, 'Search'), services);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate(`/logs?${formQuery(form)}`);
  });
  const body = h('div');
  fill(main, h('h1', null, 'Logs'), form, body);
  get('services', null, ctx.signal).then((r) => fill(services, (r.services || []).map((s) => h('option', { value: s })))).catch(() => {});
  const { start, end } = timeRange(q);
  const params = {
    service: q.get('service'), severity: q.get('severity'), q: q.get('q'),
    traceId: (q.get('traceId') || '').toLowerCase(), spanId: q.get('spanId'), start, end, limit: q.get('limit'),
  };
  const resp = await load(body, 'log lines', () => get('logs', params, ctx.signal));
  if (!resp) return;
  const lines = resp.lines || [];
  const traceId = params.traceId;
  fill(body, truncatedNote(resp, 'lines'),
    TRACE_ID.test(traceId) ? h('p', null, link(`/trace/${traceId}`, `Open trace ${traceId}`, 'btn btn-trace')) : null,
    h('p', { class: 'summary' }, `${lines.length} lines, newest first. Click a line to see all its fields.`),
    lines.length ? logList(lines) : h('p', { class: 'empty' }, 'No lines match. A store can take a few seconds to show new data.'));
}
