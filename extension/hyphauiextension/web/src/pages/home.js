// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Home: every service over the chosen range, its error and all lines as a
// chart, and the newest error lines.
import uPlot from 'uplot';
import { h, fill, link, plural, svcClass } from '../dom.js';
import { get, timeRange } from '../api.js';
import { load, logList, rangeSelect, truncatedNote } from './common.js';

export async function homePage(main, url, ctx) {
  const q = url.searchParams;
  const range = q.get('range') || '1h';
  const form = h('form', { class: 'toolbar' }, h('label', null, 'Range ', rangeSelect(range)),
    h('button', { type: 'submit' }, 'Refresh'));
  form.addEventListener('change', () => form.requestSubmit());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate(`/?range=${encodeURIComponent(form.elements.range.value)}`);
  });
  const body = h('div');
  const legend = h('p', { class: 'legend' },
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch all' }), 'all lines'),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch err' }), 'error lines'));
  fill(main, h('h1', null, 'Services'), form, legend, body);
  const { start, end } = timeRange(q);
  const ov = await load(body, 'the overview', () => get('overview', { start, end }, ctx.signal));
  if (!ov) return;
  const services = [...(ov.services || [])].sort((a, b) => (b.errorCount - a.errorCount) || a.name.localeCompare(b.name));
  const xs = (ov.buckets || []).map((t) => new Date(t).getTime() / 1000);
  const cards = services.map((s) => serviceCard(s, xs, range));
  fill(body,
    truncatedNote(ov, 'lines'),
    services.length ? h('div', { class: 'cards' }, cards.map((c) => c.el))
      : h('p', { class: 'banner banner-info' }, 'No log lines in this range. A store can take a few seconds to show new data.'),
    h('h2', null, 'Newest error lines'),
    (ov.recentErrors || []).length ? logList(ov.recentErrors)
      : h('p', { class: 'empty' }, 'No error lines in this range.'));
  for (const c of cards) c.draw();
}

function serviceCard(s, xs, range) {
  const chart = h('div', { class: 'chart', 'aria-label': `lines of ${s.name} over time` });
  const logs = `/logs?service=${encodeURIComponent(s.name)}&range=${encodeURIComponent(range)}`;
  const el = h('section', {
    class: `card ${s.errorCount ? 'has-errors' : ''}`, 'data-service': s.name, 'data-errors': s.errorCount, 'data-total': s.totalCount,
  },
    h('h3', null, h('span', { class: `dot ${svcClass(s.name)}` }), link(logs, s.name, 'svc-link')),
    h('p', { class: 'counts' },
      link(`${logs}&severity=error`, plural(s.errorCount, 'error'), s.errorCount ? 'errors' : 'errors none'),
      ` of ${plural(s.totalCount, 'line')}`),
    chart);
  // uPlot measures its container, so it is drawn once the card is in the page.
  const draw = () => {
    if (!xs.length) return;
    const width = Math.max(200, chart.clientWidth || 300);
    new uPlot({
      width, height: 110, legend: { show: false }, cursor: { show: true, points: { show: false } },
      scales: { x: { time: true } },
      axes: [{ size: 24, font: '10px system-ui' }, { size: 36, font: '10px system-ui' }],
      series: [{}, { label: 'all lines', stroke: '#5b8def', fill: 'rgba(91,141,239,0.15)' },
        { label: 'errors', stroke: '#d9363e', fill: 'rgba(217,54,62,0.2)' }],
    }, [xs, s.total || [], s.errors || []], chart);
  };
  return { el, draw };
}
