// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The JSON API of the hypha_ui extension. The browser only ever sends
// parameters; the server builds every store query itself.

// The server bounds every store call with its own timeout; this one only
// makes sure the page never waits forever when the server itself is gone.
const CLIENT_TIMEOUT_MS = 30000;

export class APIError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.store = body?.store || '';
    this.storeName = body?.storeName || '';
    this.notFound = Boolean(body?.notFound) || status === 404;
    this.hint = body?.hint || '';
  }
}

// get fetches /api/<path> with query parameters (empty ones left out).
// signal lets a page abort what it no longer needs.
export async function get(path, params, signal) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '' && v !== false) qs.set(k, String(v));
  }
  const url = `/api/${path}${qs.toString() ? `?${qs}` : ''}`;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort('timeout'), CLIENT_TIMEOUT_MS);
  const onAbort = () => ctrl.abort('page');
  signal?.addEventListener('abort', onAbort);
  let res;
  try {
    res = await fetch(url, { signal: ctrl.signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (ctrl.signal.reason === 'timeout') {
      throw new APIError(0, { error: `the Hypha UI server did not answer within ${CLIENT_TIMEOUT_MS / 1000} s` });
    }
    if (ctrl.signal.aborted) throw e;
    throw new APIError(0, { error: `the Hypha UI server cannot be reached (${e.message})` });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  let body = null;
  try {
    body = await res.json();
  } catch (_) {
    if (res.ok) throw new APIError(res.status, { error: 'the answer was not JSON' });
  }
  if (!res.ok) throw new APIError(res.status, body);
  return body;
}

let configPromise;

// config is read once per page load.
export function config() {
  configPromise ??= get('config').catch(() => ({}));
  return configPromise;
}

// RANGES are the choices of the range menus; the URL holds the choice, so
// a shared link shows the same span of time relative to now.
export const RANGES = [
  ['5m', 5 * 60e3], ['15m', 15 * 60e3], ['1h', 3600e3], ['6h', 6 * 3600e3],
  ['24h', 24 * 3600e3], ['7d', 7 * 24 * 3600e3],
];

// timeRange turns the page's query (range=, or start= and end=) into the
// API's start and end.
export function timeRange(q, fallback = '1h') {
  if (q.get('start') && q.get('end')) return { start: q.get('start'), end: q.get('end') };
  const want = q.get('range') || fallback;
  const ms = (RANGES.find(([k]) => k === want) || RANGES[2])[1];
  const end = new Date();
  return { start: new Date(end.getTime() - ms).toISOString(), end: end.toISOString() };
}
