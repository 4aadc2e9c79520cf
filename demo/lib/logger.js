'use strict';
// One small logging interface over pino, winston and bunyan, each writing JSON lines to a
// file. The OpenTelemetry instrumentations (loaded by hypha-instrumentation.js) add
// trace_id, span_id and trace_flags to every line written inside a span.
//
//   log.info(message, fields)   log.error(message, fields)   log.child(fields)
//
// Line shapes (besides the fields passed in):
//   pino    {"level":30,"time":<epoch ms>,"service":"…","msg":"…"}            error: level 50
//   bunyan  {"name":"…","hostname":"…","pid":…,"service":"…","level":30,"msg":"…","time":"<ISO>","v":0}
//   winston {"level":"info","message":"…","service":"…","timestamp":"<ISO>"}   error: "error"

const fs = require('fs');
const path = require('path');

function wrapPino(l) {
  return {
    info: (msg, fields) => l.info(fields || {}, msg),
    error: (msg, fields) => l.error(fields || {}, msg),
    child: (fields) => wrapPino(l.child(fields)),
    close: (cb) => { try { l.flush && l.flush(); } catch (_) { /* sync destination */ } cb && cb(); },
  };
}

function wrapWinston(l, root) {
  return {
    info: (msg, fields) => l.info(msg, fields || {}),
    error: (msg, fields) => l.error(msg, fields || {}),
    child: (fields) => wrapWinston(l.child(fields), root),
    close: (cb) => { root.on('finish', () => cb && cb()); root.end(); },
  };
}

function wrapBunyan(l) {
  return {
    info: (msg, fields) => l.info(fields || {}, msg),
    error: (msg, fields) => l.error(fields || {}, msg),
    child: (fields) => wrapBunyan(l.child(fields, true)),
    close: (cb) => { cb && cb(); },
  };
}

/**
 * @param {'pino'|'winston'|'bunyan'} kind
 * @param {string} service  value of the `service` field on every line
 * @param {string} file     path of the JSON log file (created, appended to)
 */
function createLogger(kind, service, file) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  switch (kind) {
    case 'pino': {
      const pino = require('pino');
      // sync: true writes each line with fs.writeSync, so it is on disk when the call returns.
      const dest = pino.destination({ dest: file, sync: true, mkdir: true, append: true });
      return wrapPino(pino({ base: { service }, level: 'info' }, dest));
    }
    case 'winston': {
      const winston = require('winston');
      // The File transport writes asynchronously through an fs stream; lines reach the file
      // within milliseconds (no batching), well under the 1 s the tests allow.
      const root = winston.createLogger({
        level: 'info',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
        defaultMeta: { service },
        transports: [new winston.transports.File({ filename: file })],
      });
      return wrapWinston(root, root);
    }
    case 'bunyan': {
      // bunyan 1.x: instrumentation-bunyan injects trace ids only into bunyan >=1 <2.
      const bunyan = require('bunyan');
      return wrapBunyan(bunyan.createLogger({
        name: service,
        service,
        streams: [{ level: 'info', path: file }],
      }));
    }
    default:
      throw new Error(`unknown logger "${kind}" (use pino, winston or bunyan)`);
  }
}

module.exports = { createLogger };
