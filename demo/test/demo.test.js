'use strict';
// End-to-end check of the demo and the instrumentation file, with node's own test runner:
//   cd demo && npm ci && node --test test/
// Starts an OTLP/HTTP sink and the four services on free loopback ports, sends a few
// requests (some failing), and checks the log files and the exported spans. Every wait is
// bounded; the whole file takes a few seconds.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { SERVICES, freePorts, serviceEnv, startService, httpGet, waitHealthy, waitExit } = require('../lib/launch');

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
// Lines one request writes in each service (see README.md).
const LINES_PER_REQUEST = { 'api-gateway': 3, auth: 2, cart: 2, 'lab-tests': 2 };
const MESSAGE_KEY = { 'api-gateway': 'msg', auth: 'message', cart: 'message', 'lab-tests': 'msg' };
const ERROR_LINE = {
  'api-gateway': { msg: 'downstream 502', level: 50 },
  cart: { message: 'downstream 500', level: 'error' },
  'lab-tests': { msg: 'lab test not found', level: 50 },
};

/** OTLP/HTTP sink: remembers every POST (path + raw body). */
function startSink(port) {
  const posts = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url, method: req.method, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': req.headers['content-type'] || 'application/x-protobuf' });
      res.end();
    });
  });
  server.keepAliveTimeout = 60000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, posts })));
}

function readLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function waitFor(what, fn, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const st = { children: {}, requests: [] };

before(async () => {
  st.logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'labra-cadabra-'));
  const [sinkPort, ...svcPorts] = await freePorts(1 + SERVICES.length);
  st.ports = Object.fromEntries(SERVICES.map((n, i) => [n, svcPorts[i]]));
  st.sink = await startSink(sinkPort);
  for (const name of SERVICES) {
    // Each service exports to its own path prefix on the sink, so spans can be told apart.
    const env = serviceEnv(name, { ports: st.ports, logDir: st.logDir, otlpEndpoint: `http://127.0.0.1:${sinkPort}/${name}` });
    if (name === 'cart') {
      // The signal-specific variable is used as-is (no /v1/traces appended).
      delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${sinkPort}/cart/v1/traces`;
    }
    // auth keeps the file's 1 s batch delay; the others hold spans until SIGTERM, which
    // proves that the SIGTERM handler flushes them.
    if (name !== 'auth') env.OTEL_BSP_SCHEDULE_DELAY = '60000';
    const out = fs.openSync(path.join(st.logDir, `${name}.out`), 'w');
    st.children[name] = startService(name, env, ['ignore', out, out]);
    fs.closeSync(out);
  }
  await Promise.all(SERVICES.map((n) => waitHealthy(st.ports[n], 15000)));

  const gw = `http://127.0.0.1:${st.ports['api-gateway']}`;
  const plan = [
    { orderId: 'ord-1', requestId: 'test-req-ok-1', fail: false },
    { orderId: 'ord-2', requestId: null, fail: false },
    { orderId: 'bad-1', requestId: 'test-req-bad-1', fail: true },
    { orderId: 'ord-3', requestId: null, fail: false },
    { orderId: 'bad-2', requestId: null, fail: true },
  ];
  for (const p of plan) {
    const r = await httpGet(`${gw}/checkout/${p.orderId}`, p.requestId ? { 'x-request-id': p.requestId } : {});
    st.requests.push({ ...p, status: r.status, requestId: r.headers['x-request-id'], traceId: r.headers['x-trace-id'], body: JSON.parse(r.body) });
  }
  const expected = Object.values(LINES_PER_REQUEST).reduce((a, b) => a + b, 0) * plan.length;
  st.lines = await waitFor('all request log lines', () => {
    const lines = Object.fromEntries(SERVICES.map((n) => [n, readLines(path.join(st.logDir, `${n}.log`))]));
    const n = SERVICES.reduce((sum, s) => sum + lines[s].filter((l) => l.request_id).length, 0);
    return n >= expected ? lines : null;
  }, 5000);
});

after(async () => {
  for (const c of Object.values(st.children)) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  if (st.sink) await new Promise((r) => { st.sink.server.closeAllConnections(); st.sink.server.close(r); });
  if (st.logDir && !process.env.KEEP_LOGS) fs.rmSync(st.logDir, { recursive: true, force: true });
});

test('HTTP results: 200 for good orders, 502 for orders starting with "bad"', () => {
  for (const r of st.requests) {
    assert.equal(r.status, r.fail ? 502 : 200, `${r.orderId}`);
    assert.match(r.traceId, HEX32);
    assert.equal(r.body.request_id, r.requestId);
    if (!r.fail) assert.ok(r.body.items.length > 0);
  }
  // An x-request-id sent by the caller is kept.
  assert.equal(st.requests[0].requestId, 'test-req-ok-1');
  assert.equal(st.requests[2].requestId, 'test-req-bad-1');
});

test('startup lines are written outside any span', () => {
  for (const name of SERVICES) {
    const startup = st.lines[name].filter((l) => !l.request_id);
    assert.ok(startup.length >= 2, `${name}: startup lines`);
    for (const l of startup) {
      assert.equal(l.service, name);
      assert.equal(l.trace_id, undefined, `${name}: startup line has no trace_id`);
    }
    assert.deepEqual(startup.map((l) => l[MESSAGE_KEY[name]]).slice(0, 2), ['starting', 'listening']);
  }
});

test('every line inside a request carries request_id, service and the trace context', () => {
  for (const r of st.requests) {
    for (const name of SERVICES) {
      const lines = st.lines[name].filter((l) => l.request_id === r.requestId);
      assert.equal(lines.length, LINES_PER_REQUEST[name], `${name} lines for ${r.orderId}`);
      for (const l of lines) {
        assert.equal(l.service, name);
        assert.match(l.trace_id, HEX32);
        assert.match(l.span_id, HEX16);
        assert.equal(l.trace_flags, '01');
        // One trace across all four services, the one the gateway reported.
        assert.equal(l.trace_id, r.traceId, `${name} ${r.orderId}: same trace id`);
        assert.equal(typeof l[MESSAGE_KEY[name]], 'string');
      }
      assert.equal(lines[0][MESSAGE_KEY[name]], 'request received');
    }
  }
});

test('failing requests write one error line in lab-tests, cart and api-gateway; good ones none', () => {
  for (const r of st.requests) {
    for (const name of SERVICES) {
      const lines = st.lines[name].filter((l) => l.request_id === r.requestId);
      const errors = lines.filter((l) => l.level === 50 || l.level === 'error');
      if (!r.fail || name === 'auth') {
        assert.equal(errors.length, 0, `${name} ${r.orderId}: no error line`);
        continue;
      }
      assert.equal(errors.length, 1, `${name} ${r.orderId}: one error line`);
      const want = ERROR_LINE[name];
      for (const [k, v] of Object.entries(want)) assert.equal(errors[0][k], v, `${name} ${r.orderId}: ${k}`);
      assert.equal(errors[0], lines[lines.length - 1], 'the error line is the last line of the request');
    }
  }
});

test('spans go to OTLP /v1/traces only, and SIGTERM flushes the buffered ones', async () => {
  const { posts } = st.sink;
  const has = (name, traceId) => posts.some((p) => p.path.startsWith(`/${name}/`) &&
    p.body.includes(Buffer.from(traceId, 'hex')));

  // auth uses the 1 s batch delay: its spans arrive without any signal.
  await waitFor('auth spans', () => st.requests.every((r) => has('auth', r.traceId)), 5000);
  // The others hold theirs (60 s delay) until they are told to stop.
  for (const name of ['api-gateway', 'cart', 'lab-tests']) {
    assert.equal(posts.filter((p) => p.path.startsWith(`/${name}/`)).length, 0, `${name}: nothing exported before SIGTERM`);
  }

  for (const name of SERVICES) st.children[name].kill('SIGTERM');
  const exits = await Promise.all(SERVICES.map((n) => waitExit(st.children[n], 6000)));
  SERVICES.forEach((name, i) => {
    // The process still ends the way Node ends it without the instrumentation file.
    assert.deepEqual(exits[i], { code: null, signal: 'SIGTERM' }, `${name} exit`);
  });

  for (const r of st.requests) {
    for (const name of SERVICES) assert.ok(has(name, r.traceId), `${name}: spans of ${r.orderId} exported`);
  }
  for (const p of posts) {
    assert.equal(p.method, 'POST');
    assert.match(p.path, /^\/[a-z-]+\/v1\/traces$/, 'only traces are sent');
    assert.equal(p.type, 'application/x-protobuf');
    // The resource carries OTEL_SERVICE_NAME.
    assert.ok(p.body.includes(Buffer.from(p.path.split('/')[1])), `service.name in ${p.path}`);
  }
  assert.ok(!posts.some((p) => /\/v1\/(logs|metrics)$/.test(p.path)), 'no OTLP logs or metrics');
});

test('LOGGER=bunyan (bunyan 1.x) gets the same injection', async () => {
  const [port] = await freePorts(1);
  const logFile = path.join(st.logDir, 'lab-tests-bunyan.log');
  const child = startService('lab-tests', {
    OTEL_SERVICE_NAME: 'lab-tests', PORT: String(port), LOG_FILE: logFile, LOGGER: 'bunyan',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${st.sink.server.address().port}/bunyan`,
  });
  try {
    await waitHealthy(port, 15000);
    const ok = await httpGet(`http://127.0.0.1:${port}/tests/ord-9`, { 'x-request-id': 'b-ok' });
    const bad = await httpGet(`http://127.0.0.1:${port}/tests/bad-9`, { 'x-request-id': 'b-bad' });
    assert.equal(ok.status, 200);
    assert.equal(bad.status, 500);
    const lines = await waitFor('bunyan lines', () => {
      const l = readLines(logFile).filter((x) => x.request_id);
      return l.length >= 4 ? l : null;
    }, 5000);
    for (const l of lines) {
      assert.equal(l.service, 'lab-tests');
      assert.match(l.trace_id, HEX32);
      assert.match(l.span_id, HEX16);
      assert.equal(l.trace_flags, '01');
    }
    const err = lines.filter((l) => l.level === 50);
    assert.equal(err.length, 1);
    assert.equal(err[0].msg, 'lab test not found');
    assert.equal(err[0].request_id, 'b-bad');
    assert.equal(err[0].trace_id, bad.headers['x-trace-id']);
  } finally {
    child.kill('SIGTERM');
    assert.ok(await waitExit(child, 6000), 'bunyan lab-tests exited');
  }
});
