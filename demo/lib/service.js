'use strict';
// Shared plumbing for the Labra Cadabra services: configuration from the environment,
// the JSON file logger, the x-request-id handling and a tiny HTTP client for downstream
// calls. The services themselves are in ../services/.

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const express = require('express');
const { createLogger } = require('./logger');

let otelApi = null;
try {
  // Only used to return the trace id to the caller (x-trace-id header); optional.
  otelApi = require('@opentelemetry/api');
} catch (_) { /* not installed: no x-trace-id */ }

const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

function currentTraceId() {
  if (!otelApi) return undefined;
  const span = otelApi.trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId } = span.spanContext();
  return traceId && !/^0+$/.test(traceId) ? traceId : undefined;
}

/**
 * Appends an error and its err.stack to a plain-text log beside the JSON one
 * (<name>-errors.log): the header line carries the time, the level and the
 * active span's ids, the stack's frames follow on their own lines, in one
 * write. The hypha agent sends them as one record under that span.
 */
function textErrorLogger(service, file) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return (req, err) => {
    const span = otelApi && otelApi.trace.getActiveSpan();
    const ctx = span ? span.spanContext() : {};
    const ids = ctx.traceId ? ` trace_id=${ctx.traceId} span_id=${ctx.spanId}` : '';
    fs.appendFileSync(file, `${new Date().toISOString()} ERROR service=${service}${ids} request_id=${req.requestId} ${err.message}\n${err.stack}\n`);
  };
}

/**
 * @param {object} opts
 * @param {string} opts.name           service name (default for OTEL_SERVICE_NAME / `service`)
 * @param {string} opts.defaultLogger  pino | winston | bunyan (LOGGER overrides)
 * @param {number} opts.defaultPort    used when PORT is not set
 */
function createService({ name, defaultLogger, defaultPort }) {
  const service = process.env.OTEL_SERVICE_NAME || name;
  const loggerKind = process.env.LOGGER || defaultLogger;
  const logFile = process.env.LOG_FILE || path.join(__dirname, '..', 'logs', `${name}.log`);
  const host = process.env.HOST || '127.0.0.1';
  const port = process.env.PORT !== undefined && process.env.PORT !== '' ? Number(process.env.PORT) : defaultPort;

  const log = createLogger(loggerKind, service, logFile);
  const logError = textErrorLogger(service, process.env.ERROR_LOG_FILE || logFile.replace(/(\.log)?$/, '-errors.log'));
  // Startup line, outside any span: no trace_id, no request_id.
  log.info('starting', { logger: loggerKind, pid: process.pid, node: process.version });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/healthz', (req, res) => res.json({ status: 'ok', service }));

  // Request id: taken from x-request-id when the caller sent a sane one (the api-gateway
  // forwards its own to every downstream call), generated otherwise.
  app.use((req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    req.requestId = incoming && REQUEST_ID_RE.test(incoming) ? incoming : crypto.randomUUID();
    req.log = log.child({ request_id: req.requestId });
    res.setHeader(REQUEST_ID_HEADER, req.requestId);
    const traceId = currentTraceId();
    if (traceId) res.setHeader('x-trace-id', traceId);
    next();
  });

  function listen() {
    const server = http.createServer(app);
    server.keepAliveTimeout = 5000;
    server.on('error', (err) => {
      log.error('listen failed', { host, port, error: err.message });
      console.error(`${service}: cannot listen on ${host}:${port}: ${err.message}`);
      process.exitCode = 1;
      log.close(() => process.exit(1));
    });
    server.listen(port, host, () => {
      const actual = server.address().port;
      log.info('listening', { host, port: actual });
      console.log(`${service} listening on http://${host}:${actual} (log file ${logFile})`);
    });
    return server;
  }

  function finish() {
    // Errors thrown by async handlers end up here (express 5).
    app.use((err, req, res, _next) => {
      (req.log || log).error('unhandled error', { error: err && err.message });
      if (!res.headersSent) res.status(500).json({ error: 'internal error', request_id: req.requestId });
    });
    return listen();
  }

  return { app, log, logError, service, finish };
}

/**
 * GET a JSON document from a downstream service, forwarding the request id.
 * Resolves { status, body }; rejects on network errors and after timeoutMs.
 */
function getJSON(url, req, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'application/json' };
    if (req && req.requestId) headers[REQUEST_ID_HEADER] = req.requestId;
    const r = http.get(url, { headers, timeout: timeoutMs }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        let body = null;
        try { body = data ? JSON.parse(data) : null; } catch (_) { body = { raw: data }; }
        resolve({ status: res.statusCode, body });
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    r.on('error', reject);
  });
}

function baseUrl(envName, fallback) {
  return (process.env[envName] || fallback).replace(/\/+$/, '');
}

module.exports = { createService, getJSON, baseUrl, currentTraceId };
