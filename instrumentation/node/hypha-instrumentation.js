'use strict';
/*
 * Hypha instrumentation file for Node.js apps.
 *
 *   node --require ./hypha-instrumentation.js app.js
 *
 * What it does:
 *   - starts the OpenTelemetry Node SDK with @opentelemetry/auto-instrumentations-node;
 *   - sends traces over OTLP to the local hypha agent (default http://127.0.0.1:4318,
 *     OTLP/HTTP protobuf), or wherever OTEL_EXPORTER_OTLP_TRACES_ENDPOINT /
 *     OTEL_EXPORTER_OTLP_ENDPOINT point;
 *   - keeps trace-id injection into pino, winston (3.x) and bunyan (1.x) log records:
 *     every line written inside a span gets `trace_id`, `span_id` and `trace_flags`;
 *   - never sends logs over OTLP (the agent reads the log files; sending them too would
 *     store every line twice) and sends no metrics unless OTEL_METRICS_EXPORTER is set;
 *   - disables the noisy fs, dns and net instrumentations;
 *   - flushes buffered spans on SIGTERM / SIGINT and before a normal exit.
 *
 * Signals: Node's default reaction to SIGTERM/SIGINT is to die at once, which would lose
 * the spans still in the batch queue. This file listens to both signals. When the signal
 * arrives and the app has NO handler of its own, it shuts the SDK down (bounded by
 * HYPHA_SHUTDOWN_TIMEOUT_MS, default 3000 ms), removes its listener and re-sends the same
 * signal to the process, so the process still ends the way it would have without this
 * file (killed by that signal). When the app HAS its own handler, this file only starts a
 * flush of the buffered spans and lets the app decide when to exit; the SDK is shut down
 * on 'beforeExit'. An app that calls process.exit() straight from its own handler can
 * first await `require('./hypha-instrumentation.js').shutdown()`.
 *
 * See README.md next to this file for the environment variables it honours.
 */

const path = require('path');
const { createRequire } = require('module');

// Packages are looked up next to this file first (the usual case: the file sits in the
// app's folder and the packages are in the app's node_modules), then from the main
// script's folder and the working directory, so the file can also be used in place from
// another folder: node --require ../instrumentation/node/hypha-instrumentation.js app.js
function load(name) {
  try {
    return require(name);
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
    const bases = [];
    if (process.argv[1]) bases.push(path.dirname(path.resolve(process.argv[1])));
    bases.push(process.cwd());
    for (const base of bases) {
      try {
        return createRequire(path.join(base, 'hypha-instrumentation-resolve.js'))(name);
      } catch (e) {
        if (e.code !== 'MODULE_NOT_FOUND') throw e;
      }
    }
    err.message += ' (hypha: npm install the packages listed in the package.json next to hypha-instrumentation.js)';
    throw err;
  }
}

const { diag, trace } = load('@opentelemetry/api');
const { NodeSDK, tracing } = load('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = load('@opentelemetry/auto-instrumentations-node');

const DEFAULT_HTTP_ENDPOINT = 'http://127.0.0.1:4318';
const DEFAULT_GRPC_ENDPOINT = 'http://127.0.0.1:4317';
// BatchSpanProcessor schedule delay when OTEL_BSP_SCHEDULE_DELAY is not set. The SDK default
// is 5000 ms; 1000 ms keeps spans close in time to the log lines that the agent reads.
const DEFAULT_BSP_SCHEDULE_DELAY_MS = 1000;

function envSet(name) {
  const v = process.env[name];
  return v !== undefined && v.trim() !== '';
}

function envNumber(name, fallback) {
  const n = Number(process.env[name]);
  return envSet(name) && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function makeTraceExporter() {
  const protocol = (process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  // Only when neither endpoint variable is set do we pass a url: an explicit url in the
  // exporter config would override the standard variables. 127.0.0.1 rather than the
  // exporters' default "localhost", which may resolve to ::1 while the agent listens on IPv4.
  const endpointFromEnv = envSet('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') || envSet('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (protocol === 'grpc') {
    const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter(endpointFromEnv ? {} : { url: DEFAULT_GRPC_ENDPOINT });
  }
  const opts = endpointFromEnv ? {} : { url: DEFAULT_HTTP_ENDPOINT + '/v1/traces' };
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(opts);
  }
  if (protocol !== 'http/protobuf') {
    diag.warn(`hypha: unsupported OTLP traces protocol "${protocol}", using http/protobuf`);
  }
  const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(opts);
}

function instrumentationConfig() {
  // Instrumentations named in OTEL_NODE_ENABLED_INSTRUMENTATIONS (e.g. "fs") stay on.
  const wanted = (process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS || '')
    .split(',').map((s) => s.trim()).filter(Boolean);
  const config = {};
  for (const noisy of ['fs', 'dns', 'net']) {
    if (!wanted.includes(noisy)) {
      config[`@opentelemetry/instrumentation-${noisy}`] = { enabled: false };
    }
  }
  // Log correlation on (the default: trace_id, span_id, trace_flags), log sending off.
  for (const logger of ['pino', 'winston', 'bunyan']) {
    config[`@opentelemetry/instrumentation-${logger}`] = { disableLogSending: true };
  }
  return config;
}

const hasServiceName = envSet('OTEL_SERVICE_NAME') ||
  /(^|,)\s*service\.name\s*=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES || '');
if (!hasServiceName && !/^true$/i.test((process.env.OTEL_SDK_DISABLED || '').trim())) {
  process.emitWarning('OTEL_SERVICE_NAME is not set: spans will carry service.name "unknown_service:node"',
    { code: 'HYPHA_NO_SERVICE_NAME' });
}

const spanProcessor = new tracing.BatchSpanProcessor(makeTraceExporter(), {
  scheduledDelayMillis: envNumber('OTEL_BSP_SCHEDULE_DELAY', DEFAULT_BSP_SCHEDULE_DELAY_MS),
});

const sdk = new NodeSDK({
  instrumentations: [getNodeAutoInstrumentations(instrumentationConfig())],
  spanProcessors: [spanProcessor],
  // An empty list: no logger provider exporter, whatever OTEL_LOGS_EXPORTER says.
  logRecordProcessors: [],
  // Metrics only when asked for explicitly (the SDK default would push OTLP metrics).
  ...(envSet('OTEL_METRICS_EXPORTER') ? {} : { metricReaders: [] }),
});

try {
  sdk.start();
} catch (err) {
  // Never take the app down because telemetry could not start.
  console.error('hypha: OpenTelemetry SDK failed to start; the app runs without tracing:', err);
}

const SHUTDOWN_TIMEOUT_MS = envNumber('HYPHA_SHUTDOWN_TIMEOUT_MS', 3000);
let shutdownPromise = null;

function withTimeout(promise) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Flush buffered spans and stop the SDK (once). Resolves within HYPHA_SHUTDOWN_TIMEOUT_MS. */
function shutdown() {
  if (!shutdownPromise) {
    shutdownPromise = withTimeout(sdk.shutdown().catch((err) => {
      diag.error('hypha: error shutting down the OpenTelemetry SDK', err);
    }));
  }
  return shutdownPromise;
}

/** Export the spans buffered so far, keep the SDK running. */
function flush() {
  const provider = trace.getTracerProvider();
  const real = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
  const p = typeof real.forceFlush === 'function' ? real.forceFlush() : Promise.resolve();
  return withTimeout(Promise.resolve(p).catch((err) => {
    diag.error('hypha: error flushing spans', err);
  }));
}

function onSignal(signal) {
  if (process.listenerCount(signal) > 1) {
    // The app handles this signal itself and decides when to exit.
    flush();
    return;
  }
  // Nobody else listens: do what Node would have done (die by this signal), after flushing.
  process.removeListener(signal, onSignal); // a second signal now kills at once
  shutdown().finally(() => {
    if (process.listenerCount(signal) === 0) {
      process.kill(process.pid, signal);
    }
  });
}

process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.once('beforeExit', () => { shutdown(); });

module.exports = { sdk, shutdown, flush };
