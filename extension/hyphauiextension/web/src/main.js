// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The Hypha UI: a small single-page app. Each page has its URL (History
// API), so it can be shared and the back button works.
import './style.css';
import 'uplot/dist/uPlot.min.css';
import { h, fill } from './dom.js';
import { homePage } from './pages/home.js';
import { logsPage } from './pages/logs.js';
import { tracePage } from './pages/trace.js';
import { tracesPage } from './pages/traces.js';
import { healthPage } from './pages/health.js';

const NAV = [['/', 'Home'], ['/logs', 'Logs'], ['/traces', 'Traces'], ['/health', 'Pipeline health']];

// route picks a page for a path. A page is a function (main, url, ctx)
// that renders into main; it may return an object with update(url), which
// handles a change of the query string without a full render (the trace
// page selecting another span).
function route(path) {
  if (path === '/' || path === '') return homePage;
  if (path === '/logs') return logsPage;
  if (path === '/traces') return tracesPage;
  if (path === '/health') return healthPage;
  if (path.startsWith('/trace/')) return tracePage;
  return null;
}

let current = null; // { path, page, handle, ctrl }

function render() {
  const url = new URL(window.location.href);
  const main = document.getElementById('main');
  for (const a of document.querySelectorAll('header nav a')) {
    const href = a.getAttribute('href');
    const on = href === '/' ? url.pathname === '/' : url.pathname.startsWith(href.replace(/s$/, ''));
    a.classList.toggle('active', on);
  }
  if (current && current.path === url.pathname && current.handle?.update) {
    if (current.handle.update(url)) return;
  }
  current?.ctrl.abort();
  const page = route(url.pathname);
  const ctrl = new AbortController();
  current = { path: url.pathname, page, ctrl, handle: null };
  // Marks a page sets when it is drawn (data-rendered, data-complete)
  // belong to that page only.
  for (const a of [...main.attributes]) if (a.name.startsWith('data-')) main.removeAttribute(a.name);
  window.scrollTo(0, 0);
  if (!page) {
    fill(main, h('h1', { text: 'Page not found' }),
      h('p', { class: 'banner banner-info', text: `There is no page at ${url.pathname}.` }));
    return;
  }
  const ctx = { signal: ctrl.signal, navigate };
  Promise.resolve(page(main, url, ctx)).then((handle) => {
    if (current?.ctrl === ctrl) current.handle = handle || null;
  });
}

// navigate goes to an in-app URL; replace keeps the history entry.
export function navigate(href, replace = false) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  render();
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.('a[data-nav]');
  if (!a) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);

function shell() {
  const nav = h('nav', null, NAV.map(([href, text]) => h('a', { href, 'data-nav': true }, text)));
  document.body.replaceChildren(
    h('header', null, h('a', { href: '/', class: 'brand', 'data-nav': true }, 'Hypha'), nav),
    h('main', { id: 'main' }),
  );
}

shell();
render();
