#!/usr/bin/env node
'use strict';
// Start the four Labra Cadabra Node services in the background of this process and keep
// running until SIGTERM/SIGINT, which is passed on to every service. With ANALYSIS_BIN
// (the Go service's binary, `make demo-analysis` writes bin/hypha-analysis) it starts
// analysis too, on ANALYSIS_PORT (8084), and lab-tests calls it.
//
//   API_GATEWAY_PORT=8080 AUTH_PORT=8081 CART_PORT=8082 LAB_TESTS_PORT=8083 \
//   LOG_DIR=./logs PID_FILE=./logs/pids OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 \
//   ANALYSIS_BIN=../bin/hypha-analysis node start.js
//
// A port set to 0 (or FREE_PORTS=1) picks a free loopback port. The PID file gets one
// "<service> <pid> <port>" line per service. Service output goes to <LOG_DIR>/<service>.out.

const fs = require('fs');
const path = require('path');
const { SERVICES, freePorts, serviceEnv, startService, startAnalysis, waitHealthy, waitExit } = require('./lib/launch');

const PORT_ENV = {
  'api-gateway': 'API_GATEWAY_PORT', auth: 'AUTH_PORT', cart: 'CART_PORT', 'lab-tests': 'LAB_TESTS_PORT', analysis: 'ANALYSIS_PORT',
};
const DEFAULT_PORT = { 'api-gateway': 8080, auth: 8081, cart: 8082, 'lab-tests': 8083, analysis: 8084 };

async function main() {
  const logDir = path.resolve(process.env.LOG_DIR || path.join(__dirname, 'logs'));
  const pidFile = path.resolve(process.env.PID_FILE || path.join(logDir, 'pids'));
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });

  const analysisBin = process.env.ANALYSIS_BIN ? path.resolve(process.env.ANALYSIS_BIN) : '';
  // Downstream first, so that lab-tests' first call finds analysis listening.
  const names = analysisBin ? ['analysis', ...SERVICES] : SERVICES;
  const ports = {};
  for (const name of names) {
    const v = process.env[PORT_ENV[name]];
    ports[name] = process.env.FREE_PORTS === '1' ? 0 : (v !== undefined && v !== '' ? Number(v) : DEFAULT_PORT[name]);
  }
  const wanted = names.filter((n) => ports[n] === 0);
  const free = await freePorts(wanted.length);
  wanted.forEach((n, i) => { ports[n] = free[i]; });

  const children = {};
  for (const name of names) {
    const out = fs.openSync(path.join(logDir, `${name}.out`), 'a');
    const env = serviceEnv(name, { ports, logDir, otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT });
    children[name] = name === 'analysis'
      ? startAnalysis(analysisBin, env, ['ignore', out, out])
      : startService(name, env, ['ignore', out, out]);
    fs.closeSync(out);
  }
  fs.writeFileSync(pidFile, names.map((n) => `${n} ${children[n].pid} ${ports[n]}\n`).join(''));

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    for (const name of names) {
      const c = children[name];
      if (c.exitCode === null && c.signalCode === null) c.kill(signal);
    }
    await Promise.all(names.map((n) => waitExit(children[n], 10000)));
    process.exit(process.exitCode || 0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGTERM'));
  for (const name of names) {
    children[name].on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (code ${code}, signal ${signal}); stopping the others`);
        process.exitCode = 1;
        stop('SIGTERM');
      }
    });
  }

  try {
    await Promise.all(names.map((n) => waitHealthy(ports[n], 20000)));
  } catch (err) {
    console.error(`start.js: ${err.message}`);
    process.exitCode = 1;
    return stop('SIGTERM');
  }
  console.log(`Labra Cadabra is up: http://127.0.0.1:${ports['api-gateway']}/checkout/ord-1 ` +
    `(failing: /checkout/bad-1). Logs in ${logDir}, PIDs in ${pidFile}.`);
  for (const name of names) console.log(`  ${name.padEnd(12)} pid ${children[name].pid}  port ${ports[name]}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
