'use strict';
// Starting the services the way the contract says (used by start.js and the tests):
//   node --require ../instrumentation/node/hypha-instrumentation.js services/<name>.js
// run from the demo/ folder, configured by environment variables only.

const { spawn } = require('child_process');
const http = require('http');
const net = require('net');
const path = require('path');

const DEMO_DIR = path.resolve(__dirname, '..');
const INSTRUMENTATION = path.join('..', 'instrumentation', 'node', 'hypha-instrumentation.js');
const SERVICES = ['api-gateway', 'auth', 'cart', 'lab-tests'];

/** Ask the kernel for `n` distinct free loopback ports. */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
      servers.push(s);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * The environment of every service, from its port and the other services' ports.
 * @param {string} name
 * @param {{ports: Object<string, number>, logDir: string, otlpEndpoint?: string}} opts
 */
function serviceEnv(name, { ports, logDir, otlpEndpoint }) {
  const env = {
    OTEL_SERVICE_NAME: name,
    PORT: String(ports[name]),
    LOG_FILE: path.join(logDir, `${name}.log`),
    AUTH_URL: `http://127.0.0.1:${ports.auth}`,
    CART_URL: `http://127.0.0.1:${ports.cart}`,
    LAB_TESTS_URL: `http://127.0.0.1:${ports['lab-tests']}`,
  };
  // The Go analysis service is optional: lab-tests calls it only when it runs.
  if (ports.analysis) env.ANALYSIS_URL = `http://127.0.0.1:${ports.analysis}`;
  if (otlpEndpoint) env.OTEL_EXPORTER_OTLP_ENDPOINT = otlpEndpoint;
  return env;
}

/** Spawn one service; `env` is added to process.env. Output goes to `stdio` (default: ignored). */
function startService(name, env, stdio = 'ignore') {
  return spawn(process.execPath, ['--require', INSTRUMENTATION, path.join('services', `${name}.js`)], {
    cwd: DEMO_DIR,
    env: { ...process.env, ...env },
    stdio,
  });
}

/** Spawn the Go analysis service from its binary, configured like the others. */
function startAnalysis(bin, env, stdio = 'ignore') {
  return spawn(bin, [], { cwd: DEMO_DIR, env: { ...process.env, ...env }, stdio });
}

function httpGet(url, headers = {}, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { connection: 'close', ...headers }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

/** Poll GET /healthz until it answers 200, at most `timeoutMs`. */
async function waitHealthy(port, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const r = await httpGet(`http://127.0.0.1:${port}/healthz`, {}, 1000);
      if (r.status === 200) return;
      last = new Error(`status ${r.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} not healthy after ${timeoutMs} ms: ${last && last.message}`);
}

/** Resolve {code, signal} when the child exits, or null after timeoutMs. */
function waitExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), timeoutMs);
    child.once('exit', (code, signal) => { clearTimeout(t); resolve({ code, signal }); });
  });
}

module.exports = {
  DEMO_DIR, INSTRUMENTATION, SERVICES, freePorts, serviceEnv, startService, startAnalysis, httpGet, waitHealthy, waitExit,
};
