'use strict';
// api-gateway (pino): GET /checkout/:orderId -> auth GET /verify, then cart GET /cart/:orderId.
const { createService, getJSON, baseUrl, currentTraceId } = require('../lib/service');

const { app, finish } = createService({ name: 'api-gateway', defaultLogger: 'pino', defaultPort: 8080 });
const AUTH_URL = baseUrl('AUTH_URL', 'http://127.0.0.1:8081');
const CART_URL = baseUrl('CART_URL', 'http://127.0.0.1:8082');

app.get('/checkout/:orderId', async (req, res) => {
  const { orderId } = req.params;
  const log = req.log;
  const reply = (status, body) => res.status(status).json({
    ...body, orderId, request_id: req.requestId, trace_id: currentTraceId(),
  });
  log.info('request received', { method: req.method, path: req.path, orderId });

  let auth;
  try {
    auth = await getJSON(`${AUTH_URL}/verify`, req);
  } catch (err) {
    log.error('downstream unreachable', { orderId, downstream: 'auth', error: err.message });
    return reply(502, { error: 'auth unreachable' });
  }
  if (auth.status !== 200) {
    log.error(`downstream ${auth.status}`, { orderId, downstream: 'auth', status: auth.status });
    return reply(502, { error: 'auth failed' });
  }
  log.info('auth verified', { orderId, user: auth.body && auth.body.user });

  let cart;
  try {
    cart = await getJSON(`${CART_URL}/cart/${encodeURIComponent(orderId)}`, req);
  } catch (err) {
    log.error('downstream unreachable', { orderId, downstream: 'cart', error: err.message });
    return reply(502, { error: 'cart unreachable' });
  }
  if (cart.status !== 200) {
    log.error(`downstream ${cart.status}`, { orderId, downstream: 'cart', status: cart.status });
    return reply(502, { error: 'checkout failed' });
  }
  const items = (cart.body && cart.body.items) || [];
  const total = items.reduce((sum, it) => sum + (it.price || 0), 0);
  log.info('checkout completed', { orderId, status: 200, items: items.length, total });
  return reply(200, { status: 'ok', items, total });
});

finish();
