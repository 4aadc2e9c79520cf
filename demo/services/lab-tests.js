'use strict';
// lab-tests (pino; LOGGER=bunyan switches to bunyan 1.x): GET /tests/:orderId.
// With ANALYSIS_URL set, it first asks the Go analysis service (demo/analysis) to
// screen the order: GET /analysis/:orderId. Order ids starting with "bad" then fail:
// error line "lab test not found", HTTP 500, and the error's stack in the
// plain-text lab-tests-errors.log.
const { createService, getJSON } = require('../lib/service');

const { app, logError, finish } = createService({ name: 'lab-tests', defaultLogger: 'pino', defaultPort: 8083 });
const ANALYSIS_URL = (process.env.ANALYSIS_URL || '').replace(/\/+$/, '');

const CATALOG = [
  { code: 'CBC', name: 'Complete blood count', price: 25 },
  { code: 'LIPID', name: 'Lipid panel', price: 40 },
  { code: 'TSH', name: 'Thyroid stimulating hormone', price: 35 },
  { code: 'HBA1C', name: 'Haemoglobin A1c', price: 30 },
];

function testsFor(orderId) {
  let h = 0;
  for (const ch of orderId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const n = 1 + (h % CATALOG.length);
  return Array.from({ length: n }, (_, i) => CATALOG[(h + i) % CATALOG.length]);
}

app.get('/tests/:orderId', async (req, res) => {
  const { orderId } = req.params;
  const log = req.log;
  log.info('request received', { method: req.method, path: req.path, orderId });
  if (ANALYSIS_URL) {
    let analysis;
    try {
      analysis = await getJSON(`${ANALYSIS_URL}/analysis/${encodeURIComponent(orderId)}`, req);
    } catch (err) {
      log.error('downstream unreachable', { orderId, downstream: 'analysis', error: err.message });
      return res.status(502).json({ error: 'analysis unreachable', orderId, request_id: req.requestId });
    }
    if (analysis.status !== 200) {
      log.error(`downstream ${analysis.status}`, { orderId, downstream: 'analysis', status: analysis.status });
      return res.status(502).json({ error: `analysis returned ${analysis.status}`, orderId, request_id: req.requestId });
    }
  }
  if (orderId.startsWith('bad')) {
    log.error('lab test not found', { orderId, status: 500 });
    // The same failure with its stack, in the plain-text error log.
    logError(req, new Error(`lab test not found: ${orderId}`));
    return res.status(500).json({ error: 'lab test not found', orderId, request_id: req.requestId });
  }
  const tests = testsFor(orderId);
  log.info('lab tests found', { orderId, count: tests.length });
  return res.json({ orderId, tests, request_id: req.requestId });
});

finish();
