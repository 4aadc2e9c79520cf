'use strict';
// cart (winston): GET /cart/:orderId -> lab-tests GET /tests/:orderId.
const { createService, getJSON, baseUrl } = require('../lib/service');

const { app, finish } = createService({ name: 'cart', defaultLogger: 'winston', defaultPort: 8082 });
const LAB_TESTS_URL = baseUrl('LAB_TESTS_URL', 'http://127.0.0.1:8083');

app.get('/cart/:orderId', async (req, res) => {
  const { orderId } = req.params;
  const log = req.log;
  log.info('request received', { method: req.method, path: req.path, orderId });
  let tests;
  try {
    tests = await getJSON(`${LAB_TESTS_URL}/tests/${encodeURIComponent(orderId)}`, req);
  } catch (err) {
    log.error('downstream unreachable', { orderId, downstream: 'lab-tests', error: err.message });
    return res.status(502).json({ error: 'lab-tests unreachable', orderId, request_id: req.requestId });
  }
  if (tests.status !== 200) {
    log.error(`downstream ${tests.status}`, { orderId, downstream: 'lab-tests', status: tests.status });
    return res.status(502).json({ error: `lab-tests returned ${tests.status}`, orderId, request_id: req.requestId });
  }
  const items = (tests.body && tests.body.tests) || [];
  log.info('cart loaded', { orderId, items: items.length });
  return res.json({ orderId, items, request_id: req.requestId });
});

finish();
