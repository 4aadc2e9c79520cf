'use strict';
// auth (winston): GET /verify. Always accepts (it is a demo).
const { createService } = require('../lib/service');

const { app, finish } = createService({ name: 'auth', defaultLogger: 'winston', defaultPort: 8081 });

app.get('/verify', (req, res) => {
  const log = req.log;
  log.info('request received', { method: req.method, path: req.path });
  const user = 'patient-42';
  log.info('token verified', { user });
  res.json({ valid: true, user, request_id: req.requestId });
});

finish();
