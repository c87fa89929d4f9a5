// Baseline 2: a bare Express 5 route that reads the body (express.raw, the same raw-body hookd
// uses) and answers JSON. No helmet, no rate limit, no logging, no verification, no storage.
import express from 'express';

const app = express();
app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
app.post('/hooks/:source', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
  res.json({ status: 'accepted', bytes: req.body.length });
});
app.listen(Number(process.env.PORT), '127.0.0.1');

// Exit cleanly on SIGTERM so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
