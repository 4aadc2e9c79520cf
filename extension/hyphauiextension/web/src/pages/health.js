// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Pipeline health: what the gateway reports about itself, read from its
// own telemetry, so that an operator knows Hypha is well before trusting
// an empty page.
import { h, fill } from '../dom.js';
import { get } from '../api.js';
import { load } from './common.js';

export async function healthPage(main, url, ctx) {
  const body = h('div');
  fill(main, h('h1', null, 'Pipeline health'), body);
  const hl = await load(body, 'the gateway\'s telemetry', () => get('health', null, ctx.signal));
  if (!hl) return;
  const num = (v) => (v === undefined || v === null ? '—' : Number(v).toLocaleString());
  const fill_ = hl.queueCapacity ? `${num(hl.queueSize)} of ${num(hl.queueCapacity)} (${Math.round((100 * hl.queueSize) / hl.queueCapacity)}%)` : num(hl.queueSize);
  let stalled = 'not reported';
  if (hl.stalled === true) stalled = 'yes: an agent has stopped sending';
  else if (hl.stalled === false) stalled = 'no';
  const tiles = [
    ['Records received', num(hl.receivedRecords), ''],
    ['Records sent', num(hl.sentRecords), ''],
    ['Refused', num(hl.refusedRecords), hl.refusedRecords ? 'bad' : ''],
    ['Failed to send', num(hl.failedRecords), hl.failedRecords ? 'bad' : ''],
    ['Dead-lettered', num(hl.deadLetters), hl.deadLetters ? 'bad' : ''],
    ['Queue', fill_, hl.queueCapacity && hl.queueSize / hl.queueCapacity > 0.8 ? 'bad' : ''],
    ['Agents stalled', stalled, hl.stalled ? 'bad' : ''],
  ];
  const metrics = Object.entries(hl.metrics || {}).sort(([a], [b]) => a.localeCompare(b));
  fill(body, h('p', { class: 'summary' }, 'Read from ', h('code', null, hl.source || '?')),
    h('div', { class: 'tiles' }, tiles.map(([k, v, cls]) => h('div', { class: `tile ${cls}` }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v)))),
    metrics.length ? h('details', null, h('summary', null, `All ${metrics.length} figures`),
      h('table', { class: 'kv' }, h('tbody', null, metrics.map(([k, v]) => h('tr', null, h('th', null, k), h('td', { class: 'num' }, String(v))))))) : null);
}
